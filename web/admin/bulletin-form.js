// The bulletin form (loaded on demand by broadcast.js): a new draft (#/broadcast/moi) or a change to a draft not yet
// approved (#/broadcast/<id>/sua: the words with PATCH, the time with /reschedule). The author also chooses how long
// the public alert stays in force; the server checks it again (1 hour to 30 days).
import { busy, clearProblems, fieldProblem, fill, formatDateTime, formValues, h, notify, parseDateVn, showError } from '/shared/sc.js';
import { CATEGORY, PRIORITY, VALIDITY, WEEKDAYS, checks, field, options } from '/admin/bulletin-labels.js';

async function clusterIds(ctx) {
  if (!ctx.can('devices')) return null;
  try {
    const speakers = (await ctx.api.call('GET', '/devices/speakers')).items || [];
    const names = new Map();
    for (const s of speakers) names.set(s.cluster_id, `${s.cluster_id} (${ctx.hamletNames.get(s.hamlet_id) || s.hamlet_id})`);
    return [...names].sort();
  } catch {
    return null;
  }
}

const input = (id, name, attrs = {}) => h('input', { id, name, ...attrs });
const dateInput = (id, name, value) => input(id, name, { inputmode: 'numeric', maxlength: 10, placeholder: 'dd/mm/yyyy', value });
const vnDate = (plain) => (plain ? plain.split('-').reverse().join('/') : '');

/** The draft form; with `b` (a draft), prefilled and saving the changes to it. */
export async function draftForm(section, ctx, b = null) {
  const roles = ctx.me.roles;
  const category = b ? b.category : roles.includes('health') ? 'Health' : roles.includes('police') ? 'Security' : 'Other';
  const target = b?.target || { scope: 'commune' };
  const sched = b?.schedule || { kind: 'now' };
  const [atDate, atTime] = sched.at ? formatDateTime(sched.at).split(' ') : ['', ''];
  const clusters = await clusterIds(ctx);
  const box = h('div', { class: 'alert', hidden: true, id: 'bd-alert' });
  const hamletBox = h('fieldset', { class: 'choices', hidden: target.scope !== 'hamlets' }, h('legend', { text: 'Các xóm' }), checks('hamlets', [...ctx.hamletNames], 'bd-h', target.hamlets || []));
  const clusterBox = h(
    'fieldset',
    { class: 'choices', hidden: target.scope !== 'clusters' },
    h('legend', { text: 'Các cụm loa' }),
    clusters
      ? checks('clusters', clusters, 'bd-c', target.clusters || [])
      : field('bd-clusters', 'Mã cụm loa, cách nhau bởi dấu phẩy', input('bd-clusters', 'clusters', { placeholder: 'gp-cl-01, gp-cl-02', value: (target.clusters || []).join(', ') })),
  );
  const once = h(
    'div',
    { class: 'form-grid', hidden: sched.kind !== 'once' },
    field('bd-date', 'Ngày phát (dd/mm/yyyy)', dateInput('bd-date', 'date', atDate)),
    field('bd-time', 'Giờ phát (HH:MM)', input('bd-time', 'time', { type: 'time', value: atTime })),
  );
  const recurring = h(
    'div',
    { hidden: sched.kind !== 'recurring' },
    h(
      'div',
      { class: 'form-grid' },
      field('bd-times', 'Các giờ phát hằng ngày (HH:MM, cách nhau bởi dấu phẩy)', input('bd-times', 'times', { placeholder: '06:00, 17:00', value: (sched.times || []).join(', ') })),
      field('bd-start', 'Từ ngày (dd/mm/yyyy)', dateInput('bd-start', 'start_date', vnDate(sched.start_date))),
      field('bd-end', 'Đến ngày (dd/mm/yyyy)', dateInput('bd-end', 'end_date', vnDate(sched.end_date))),
    ),
    h('fieldset', { class: 'choices' }, h('legend', { text: 'Chỉ vào các thứ (để trống: mọi ngày)' }), checks('weekdays', WEEKDAYS.map((d, i) => [String(i + 1), d]), 'bd-w', sched.weekdays || [])),
  );
  const scope = h('select', { id: 'bd-scope', name: 'scope' }, options({ commune: 'Toàn xã', hamlets: 'Một số xóm', clusters: 'Một số cụm loa' }, target.scope));
  const kind = h('select', { id: 'bd-kind', name: 'kind' }, options({ now: 'Phát ngay khi được duyệt', once: 'Một lần, vào lúc', recurring: 'Theo khung giờ hằng ngày' }, sched.kind));
  const save = h('button', { type: 'submit', class: 'btn', id: 'bd-save', text: b ? 'Lưu thay đổi' : 'Lưu bản nháp và gửi duyệt' });
  const back = b ? `#/broadcast/${encodeURIComponent(b.id)}` : '#/broadcast';
  const form = h(
    'form',
    { id: 'bd-form', class: 'card', novalidate: true },
    box,
    field('bd-headline', 'Tiêu đề', input('bd-headline', 'headline', { required: true, maxlength: 160, value: b?.headline })),
    field('bd-text', 'Nội dung (loa sẽ đọc)', h('textarea', { id: 'bd-text', name: 'text', required: true, maxlength: 4000, rows: 5 }, b?.text || '')),
    field('bd-instruction', 'Hướng dẫn người dân (không bắt buộc)', h('textarea', { id: 'bd-instruction', name: 'instruction', maxlength: 1000, rows: 2 }, b?.instruction || '')),
    h(
      'div',
      { class: 'form-grid' },
      field('bd-priority', 'Mức ưu tiên', h('select', { id: 'bd-priority', name: 'priority' }, options(PRIORITY, b?.priority))),
      field('bd-category', 'Lĩnh vực', h('select', { id: 'bd-category', name: 'category' }, options(CATEGORY, category))),
      field('bd-event', 'Sự kiện', input('bd-event', 'event', { maxlength: 120, value: b?.event || 'Thông báo' })),
      field('bd-repeat', 'Số lần đọc lặp lại', input('bd-repeat', 'repeat', { type: 'number', min: 1, max: 5, value: b?.repeat || 1 })),
      field('bd-scope', 'Phạm vi', scope),
      field('bd-kind', 'Lịch phát', kind),
      field('bd-valid', 'Thông báo còn hiệu lực trên cổng thông tin trong', h('select', { id: 'bd-valid', name: 'valid_hours' }, options(VALIDITY, b?.valid_hours || 24))),
    ),
    hamletBox,
    clusterBox,
    once,
    recurring,
    h('div', { class: 'actions' }, save, h('a', { class: 'btn btn-secondary', href: back, text: b ? 'Không sửa nữa' : 'Hủy' })),
  );
  scope.addEventListener('change', () => {
    hamletBox.hidden = scope.value !== 'hamlets';
    clusterBox.hidden = scope.value !== 'clusters';
  });
  kind.addEventListener('change', () => {
    once.hidden = kind.value !== 'once';
    recurring.hidden = kind.value !== 'recurring';
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = draftBody(form, box);
    if (!body) return;
    try {
      if (!b) {
        const created = await busy(save, 'Đang lưu và tạo bản đọc…', () => ctx.api.call('POST', '/bulletins', { body }));
        window.location.hash = `#/broadcast/${encodeURIComponent(created.id)}`;
        return;
      }
      await busy(save, 'Đang lưu…', () => saveChanges(ctx, b, body));
      window.location.hash = back;
    } catch (error) {
      if (error.status !== 401) showError(box, form, error);
    }
  });
  fill(
    section,
    h('p', {}, h('a', { href: back, text: b ? '← Bản tin' : '← Danh sách bản tin' })),
    h('h1', { text: b ? 'Sửa bản nháp' : 'Soạn bản tin' }),
    form,
  );
}

const same = (a, b) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
const scheduleKey = (s) => [s.kind, s.at ? new Date(s.at).getTime() : null, s.times || [], s.start_date || null, s.end_date || null, s.weekdays || []];
const targetKey = (t) => [t.scope, t.hamlets || [], t.clusters || []];

/** PATCH what changed in the words and settings, then /reschedule if the time changed (each answers the new version). */
async function saveChanges(ctx, b, body) {
  const base = `/bulletins/${encodeURIComponent(b.id)}`;
  const change = {};
  for (const key of ['headline', 'text', 'priority', 'category', 'event', 'repeat', 'valid_hours']) if (!same(body[key], b[key])) change[key] = body[key];
  if (!same(body.instruction || null, b.instruction || null)) change.instruction = body.instruction || null;
  if (!same(targetKey(body.target), targetKey(b.target))) change.target = body.target;
  let version = b.version;
  if (Object.keys(change).length) version = (await ctx.api.call('PATCH', base, { body: { version, ...change } })).version;
  if (!same(scheduleKey(body.schedule), scheduleKey(b.schedule))) await ctx.api.call('POST', `${base}/reschedule`, { body: { version, schedule: body.schedule } });
}

/** The form as a NewBulletin, or null after marking what is missing. */
function draftBody(form, box) {
  clearProblems(form, box);
  const v = formValues(form);
  const data = new FormData(form);
  const bad = (name, message) => (fieldProblem(form, name, message) || notify(box, 'error', message), null);
  if (!v.headline) return bad('headline', 'Vui lòng nhập tiêu đề.');
  if (!v.text) return bad('text', 'Vui lòng nhập nội dung.');
  const body = {
    headline: v.headline,
    text: v.text,
    priority: v.priority,
    category: v.category,
    event: v.event || 'Thông báo',
    repeat: Number(v.repeat) || 1,
    valid_hours: Number(v.valid_hours) || 24,
  };
  if (v.instruction) body.instruction = v.instruction;
  const target = { scope: v.scope };
  if (v.scope === 'hamlets') {
    target.hamlets = data.getAll('hamlets');
    if (!target.hamlets.length) return bad('hamlets', 'Chọn ít nhất một xóm.');
  }
  if (v.scope === 'clusters') {
    target.clusters = data.getAll('clusters').flatMap((c) => String(c).split(',')).map((c) => c.trim()).filter(Boolean);
    if (!target.clusters.length) return bad('clusters', 'Chọn ít nhất một cụm loa.');
  }
  body.target = target;
  const schedule = { kind: v.kind };
  if (v.kind === 'once') {
    const day = parseDateVn(v.date);
    if (!day) return bad('date', 'Ngày phải theo dạng dd/mm/yyyy.');
    if (!/^\d{2}:\d{2}$/.test(v.time || '')) return bad('time', 'Giờ phải theo dạng HH:MM.');
    schedule.at = `${day}T${v.time}:00+07:00`;
  }
  if (v.kind === 'recurring') {
    schedule.times = String(v.times || '').split(',').map((t) => t.trim()).filter(Boolean);
    if (!schedule.times.length) return bad('times', 'Nhập ít nhất một giờ phát, ví dụ 06:00.');
    schedule.start_date = parseDateVn(v.start_date);
    schedule.end_date = parseDateVn(v.end_date);
    if (!schedule.start_date) return bad('start_date', 'Ngày phải theo dạng dd/mm/yyyy.');
    if (!schedule.end_date) return bad('end_date', 'Ngày phải theo dạng dd/mm/yyyy.');
    schedule.weekdays = data.getAll('weekdays').map(Number);
  }
  body.schedule = schedule;
  return body;
}
