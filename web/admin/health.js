// The health station's day (loaded on demand by admin.js at #/health): today's bookings in queue order with
// check-in, no-show and done, "call the next number", booking on behalf of someone who came in or phoned, and
// the week's booking statistics. Refreshed every 15 s while open.
import { busy, clearProblems, fieldProblem, fill, formatDate, formatDateTime, formValues, h, notify, parseDateVn, showError, TIME_ZONE } from '/shared/sc.js';

const REFRESH_MS = 15000;
const STATUS = { booked: 'Đã đặt', checked_in: 'Đã đến, đang chờ', called: 'Đang khám', done: 'Đã khám', cancelled: 'Đã hủy', no_show: 'Vắng mặt' };
const DAY = new Intl.DateTimeFormat('en-CA', { timeZone: TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' });
const HOUR = new Intl.DateTimeFormat('en-GB', { timeZone: TIME_ZONE, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
const RELATION = { child: 'Con', grandchild: 'Cháu', parent: 'Cha/mẹ', spouse: 'Vợ/chồng', other: 'Khác' };
let generation = 0;

const field = (id, text, control) => h('div', { class: 'field' }, h('label', { for: id, text }), control);

export async function render(section, ctx) {
  const mine = ++generation;
  const alive = () => mine === generation && section.isConnected && !section.hidden;
  const today = DAY.format(new Date());
  const box = h('div', { class: 'alert', hidden: true, id: 'hq-alert', tabindex: '-1' });
  const called = h('p', { class: 'hq-called', id: 'hq-called', 'aria-live': 'polite' });
  const next = h('button', { type: 'button', class: 'btn', id: 'hq-next', text: 'Gọi số tiếp theo' });
  const tbody = h('tbody', { id: 'hq-rows' });
  const stats = h('p', { class: 'muted', id: 'hq-stats' });
  const record = h('section', { class: 'card', id: 'hr-record', hidden: true, 'aria-live': 'polite' });
  const slot = h('select', { id: 'hb-slot', name: 'slot_id', required: true });
  const save = h('button', { type: 'submit', class: 'btn', text: 'Đặt lịch hộ' });
  // The patient may be the caller or a member of the caller's household (a grandmother phones for her grandchild):
  // the members are looked up by the phone once it is typed; "someone new" adds one while booking.
  const patient = h('select', { id: 'hb-patient', name: 'patient' }, h('option', { value: '', text: 'Chính người gọi' }));
  const newMember = h(
    'div',
    { class: 'form-grid', id: 'hb-new-member', hidden: true },
    field('hb-member-name', 'Họ và tên người khám', h('input', { id: 'hb-member-name', name: 'member_name', maxlength: 100 })),
    field('hb-member-birth', 'Ngày sinh (dd/mm/yyyy)', h('input', { id: 'hb-member-birth', name: 'member_birth', inputmode: 'numeric', maxlength: 10, placeholder: 'dd/mm/yyyy' })),
    field(
      'hb-member-relation',
      'Quan hệ với người gọi',
      h('select', { id: 'hb-member-relation', name: 'member_relation' }, Object.entries(RELATION).map(([value, text]) => h('option', { value, text }))),
    ),
  );
  const loadMembers = async (phone) => {
    const options = [h('option', { value: '', text: 'Chính người gọi' })];
    if (phone.replace(/\D/g, '').length >= 9) {
      try {
        const found = await ctx.api.call('GET', `/health/members?phone=${encodeURIComponent(phone)}`);
        for (const m of found.items) options.push(h('option', { value: m.id, text: `${m.full_name} (${RELATION[m.relation] || m.relation}, sinh ${formatDate(m.birth_date)})` }));
      } catch {
        // An unregistered or mistyped phone has no household yet: the caller books for themselves or adds someone.
      }
    }
    options.push(h('option', { value: 'new', text: 'Người khác trong hộ (thêm mới)…' }));
    if (form.querySelector('#hb-phone').value !== phone) return; // the phone changed again meanwhile
    const chosen = patient.value;
    fill(patient, options);
    if (options.some((o) => o.value === chosen)) patient.value = chosen;
    newMember.hidden = patient.value !== 'new';
    patient.dataset.phone = phone; // the list is that of this phone (tests wait for it)
  };
  patient.addEventListener('change', () => {
    newMember.hidden = patient.value !== 'new';
  });
  const form = h(
    'form',
    { class: 'card', id: 'hb-staff-form', novalidate: true },
    h('h2', { text: 'Đặt lịch hộ người đến trạm hoặc gọi điện' }),
    h('div', { class: 'alert', hidden: true, id: 'hb-staff-alert' }),
    h(
      'div',
      { class: 'form-grid' },
      field('hb-phone', 'Số điện thoại', h('input', { id: 'hb-phone', name: 'phone', type: 'tel', inputmode: 'tel', maxlength: 20, required: true })),
      field('hb-name', 'Họ và tên (nếu chưa đăng ký)', h('input', { id: 'hb-name', name: 'full_name', maxlength: 100 })),
      field('hb-patient', 'Người khám', patient),
      field('hb-slot', 'Khung giờ', slot),
    ),
    newMember,
    h('div', { class: 'actions' }, save),
  );
  fill(
    section,
    h('h1', { text: 'Trạm y tế — hàng đợi hôm nay' }),
    box,
    h('div', { class: 'card' }, called, h('div', { class: 'actions' }, next), h('p', { class: 'muted' }, 'Màn hình số thứ tự: ', h('a', { href: '/queue/', target: '_blank', rel: 'noopener', text: '/queue/' }))),
    h(
      'div',
      { class: 'card' },
      h(
        'table',
        { class: 'cards', id: 'hq-table' },
        h('thead', {}, h('tr', {}, ['Số', 'Giờ', 'Người khám', 'Dịch vụ', 'Trạng thái', ''].map((x) => h('th', { scope: 'col', text: x })))),
        tbody,
      ),
    ),
    record,
    form,
    h('div', { class: 'card' }, h('h2', { text: 'Thống kê 7 ngày qua' }), stats),
  );
  const step = async (booking, action, button) => {
    clearProblems(null, box);
    try {
      await busy(button, 'Đang lưu…', () => ctx.api.call('POST', `/health/bookings/${booking.id}/${action}`));
      await load();
    } catch (error) {
      showError(box, null, error);
      box.focus();
    }
  };
  const row = (b) => {
    const actions = [];
    if (b.status === 'booked') {
      const checkIn = h('button', { type: 'button', class: 'btn btn-small', text: 'Đã đến', dataset: { action: 'check-in' } });
      checkIn.addEventListener('click', () => step(b, 'check-in', checkIn));
      const absent = h('button', { type: 'button', class: 'btn btn-secondary btn-small', text: 'Vắng mặt', dataset: { action: 'no-show' } });
      absent.addEventListener('click', () => step(b, 'no-show', absent));
      actions.push(checkIn, ' ', absent);
    }
    if (b.status === 'called') {
      const done = h('button', { type: 'button', class: 'btn btn-small', text: 'Khám xong', dataset: { action: 'done' } });
      done.addEventListener('click', () => step(b, 'done', done));
      actions.push(done);
    }
    const open = h('button', { type: 'button', class: 'btn btn-secondary btn-small', text: 'Hồ sơ', dataset: { action: 'record' } });
    open.addEventListener('click', () => showRecord(record, ctx, b));
    actions.push(' ', open);
    return h(
      'tr',
      { dataset: { id: b.id, number: b.queue_number } },
      h('td', { 'data-label': 'Số' }, h('strong', { text: b.queue_number })),
      h('td', { 'data-label': 'Giờ', text: `${HOUR.format(new Date(b.start))} ${b.session.endsWith('-am') ? 'sáng' : 'chiều'}` }),
      h('td', { 'data-label': 'Người khám', text: `${b.patient_name || '—'} ${b.phone ? `(${b.phone})` : ''}` }),
      h('td', { 'data-label': 'Dịch vụ', text: `${b.service}${b.mode === 'remote' ? ' (từ xa)' : ''}` }),
      h('td', { 'data-label': 'Trạng thái', text: STATUS[b.status] || b.status }),
      h('td', { 'data-label': '' }, actions),
    );
  };
  async function load() {
    const page = await ctx.api.call('GET', '/health/bookings', { query: { day: today } });
    const items = page.items || [];
    fill(tbody, items.length ? items.map(row) : h('tr', {}, h('td', { colspan: 6, class: 'muted', text: 'Hôm nay chưa có lịch hẹn.' })));
    const serving = items.filter((b) => b.status === 'called').map((b) => b.queue_number);
    fill(called, serving.length ? `Đang khám: số ${serving.join(', ')}` : 'Chưa gọi số nào.');
  }
  async function loadSlots() {
    const page = await ctx.api.call('GET', `/communes/${encodeURIComponent(ctx.commune.id)}/health/slots`, { query: { days: 3 } });
    const free = (page.items || []).filter((s) => s.free_places > 0);
    fill(slot, free.map((s) => h('option', { value: s.id, text: `${formatDateTime(s.start)} · ${s.service_name} · ${s.practitioner_name} (còn ${s.free_places})` })));
  }
  async function loadStats() {
    const end = today;
    const start = DAY.format(new Date(Date.now() - 6 * 86400000));
    const s = await ctx.api.call('GET', '/health/statistics', { query: { start, end } });
    const rate = s.no_show_rate === null ? '—' : `${Math.round(s.no_show_rate * 100)}%`;
    const wait = s.mean_wait_min === null ? '—' : `${s.mean_wait_min} phút`;
    fill(stats, `${s.total_booked} lượt đặt · vắng mặt ${rate} · chờ trung bình từ lúc đến đến lúc được gọi ${wait}`);
  }
  next.addEventListener('click', async () => {
    clearProblems(null, box);
    try {
      const b = await busy(next, 'Đang gọi…', () => ctx.api.call('POST', '/health/queue/next'));
      notify(box, 'success', `Mời số ${b.queue_number}: ${b.patient_name || ''}`);
      await load();
    } catch (error) {
      showError(box, null, error);
    }
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const alert = form.querySelector('#hb-staff-alert');
    clearProblems(form, alert);
    const values = formValues(form);
    const body = { slot_id: values.slot_id, phone: values.phone };
    if (values.full_name) body.full_name = values.full_name;
    if (values.patient === 'new') {
      const birth = parseDateVn(values.member_birth);
      if (!birth) {
        fieldProblem(form, 'member_birth', 'Ngày sinh chưa đúng, hãy viết dd/mm/yyyy (ví dụ 04/05/2021).');
        return;
      }
      body.member = { full_name: values.member_name, birth_date: birth, relation: values.member_relation };
    }
    else if (values.patient) body.member_id = values.patient;
    try {
      const b = await busy(save, 'Đang đặt…', () => ctx.api.call('POST', '/health/bookings', { body }));
      notify(alert, 'success', `Đã đặt lịch: số thứ tự ${b.queue_number}, mã ${b.code} (đã nhắn tin xác nhận).`);
      form.reset();
      await Promise.all([load(), loadSlots(), loadMembers('')]);
    } catch (error) {
      showError(alert, form, error);
    }
  });
  form.querySelector('#hb-phone').addEventListener('change', (event) => loadMembers(event.target.value));
  await Promise.all([load(), loadSlots().catch(() => {}), loadStats().catch(() => {}), loadMembers('')]);
  const timer = window.setInterval(() => {
    if (!alive()) window.clearInterval(timer);
    else load().catch(() => {});
  }, REFRESH_MS);
}

const KIND = { visit: 'Lần khám', note: 'Ghi chú', diagnosis: 'Chẩn đoán', prescription: 'Đơn thuốc', vaccination: 'Tiêm chủng', consultation: 'Khám từ xa', chat: 'Tin nhắn' };

function entryItem(e) {
  const lines = [
    e.text,
    e.diagnoses.map((d) => `${d.code} ${d.text || ''}`).join('; '),
    e.prescription.map((p) => `${p.drug}: ${p.dose}, ${p.days} ngày`).join('; '),
    e.vaccination ? `${e.vaccination.vaccine} (mũi ${e.vaccination.dose_number})` : '',
  ].filter(Boolean);
  return h('li', { class: 'fb-item' }, h('p', { class: 'fb-meta', text: `${formatDateTime(e.at)} · ${KIND[e.kind] || e.kind}` }), lines.map((x) => h('p', { text: x })));
}

// A patient's record (reading it is written to the audit log) and a visit with ICD-10 codes and a prescription.
async function showRecord(section, ctx, booking) {
  const box = h('div', { class: 'alert', hidden: true, id: 'hr-alert' });
  const list = h('ul', { class: 'fb-list', id: 'hr-entries' });
  const save = h('button', { type: 'submit', class: 'btn', text: 'Lưu lần khám' });
  const form = h(
    'form',
    { id: 'hr-form', novalidate: true },
    h('h3', { text: 'Ghi lần khám' }),
    h(
      'div',
      { class: 'form-grid' },
      field('hr-text', 'Ghi chú khám', h('textarea', { id: 'hr-text', name: 'text', rows: 2, maxlength: 2000 })),
      field('hr-codes', 'Mã chẩn đoán ICD-10 (cách nhau bởi dấu phẩy)', h('input', { id: 'hr-codes', name: 'codes', maxlength: 100, placeholder: 'I10, E11.9' })),
      field('hr-drug', 'Thuốc', h('input', { id: 'hr-drug', name: 'drug', maxlength: 120 })),
      field('hr-dose', 'Liều dùng', h('input', { id: 'hr-dose', name: 'dose', maxlength: 120 })),
      field('hr-days', 'Số ngày', h('input', { id: 'hr-days', name: 'days', type: 'number', min: 1, max: 365 })),
    ),
    h('div', { class: 'actions' }, save),
  );
  const load = async () => {
    const rec = await ctx.api.call('GET', `/health/records/${booking.patient_id}`);
    fill(list, rec.entries.length ? rec.entries.map(entryItem) : h('li', { class: 'muted', text: 'Chưa có ghi nhận nào.' }));
  };
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearProblems(form, box);
    const v = formValues(form);
    const body = { kind: 'visit', appointment_id: booking.id, text: v.text || null };
    body.diagnoses = (v.codes || '').split(',').map((c) => c.trim()).filter(Boolean).map((code) => ({ code }));
    body.prescription = v.drug ? [{ drug: v.drug, dose: v.dose, days: Number(v.days) }] : [];
    try {
      await busy(save, 'Đang lưu…', () => ctx.api.call('POST', `/health/records/${booking.patient_id}/entries`, { body }));
      form.reset();
      notify(box, 'success', 'Đã lưu vào hồ sơ.');
      await load();
    } catch (error) {
      showError(box, form, error);
    }
  });
  fill(section, h('h2', { text: `Hồ sơ sức khỏe: ${booking.patient_name || ''}` }), h('p', { class: 'muted', text: 'Mỗi lần xem hồ sơ được ghi vào nhật ký hệ thống.' }), box, list, form);
  section.hidden = false;
  try {
    await load();
  } catch (error) {
    showError(box, null, error);
  }
  section.scrollIntoView({ block: 'start' });
}
