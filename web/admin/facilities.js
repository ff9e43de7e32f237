// Public facilities for staff (loaded on demand by admin.js at #/facilities): the free wifi points (culture, admin:
// register, change, take out of service with a note or back in) and the schools (school, admin: register, enter a
// school year's figures). The API checks every rule and every figure; the page only offers what the roles may do.
import { busy, clearProblems, fill, formatDateTime, formValues, h, notify, randomId, showError } from '/shared/sc.js';

const KINDS = {
  one_stop_office: 'Bộ phận Một cửa UBND xã',
  health_station: 'Trạm y tế xã',
  cultural_house: 'Nhà văn hóa xóm',
  school: 'Trường học',
  post_office: 'Bưu điện văn hóa xã',
  tourist_spot: 'Điểm du lịch',
  market: 'Chợ',
  other: 'Điểm công cộng khác',
};
const LEVELS = { mam_non: 'Mầm non', tieu_hoc: 'Tiểu học', thcs: 'Trung học cơ sở' };

const has = (ctx, roles) => ctx.me.roles.some((r) => roles.includes(r));
const field = (id, text, control, hint) => h('div', { class: 'field' }, h('label', { for: id, text }), control, hint ? h('span', { class: 'hint', text: hint }) : null);
const input = (id, name, value, attrs = {}) => h('input', { id, name, value: value ?? '', ...attrs });
const check = (id, name, text, checked) => h('div', { class: 'field check' }, h('input', { type: 'checkbox', id, name, value: 'true', checked: Boolean(checked) }), h('label', { for: id, text }));
const select = (id, name, options, value) => {
  const el = h('select', { id, name }, options.map(([v, t]) => h('option', { value: v, text: t })));
  el.value = value ?? options[0][0];
  return el;
};
const hamlets = (ctx) => [['', '—'], ...(ctx.commune.hamlets || []).map((x) => [x.id, x.name])];
const number = (value) => (value === '' || value === undefined ? NaN : Number(String(value).replace(',', '.')));

function apiError(box, form, error) {
  showError(box, form, error);
  if (error.messageEn) box.append(h('p', { class: 'muted', lang: 'en', text: error.messageEn }));
}

/** The school year of today (Vietnam time): from August on, Y-(Y+1). */
function currentSchoolYear() {
  const local = new Date(Date.now() + 7 * 3600 * 1000);
  const start = local.getUTCMonth() >= 7 ? local.getUTCFullYear() : local.getUTCFullYear() - 1;
  return `${start}-${start + 1}`;
}

export async function render(section, ctx) {
  const tabs = [];
  if (has(ctx, ['admin', 'culture'])) tabs.push(['wifi', 'Điểm wifi công cộng miễn phí', drawWifi]);
  if (has(ctx, ['admin', 'school'])) tabs.push(['schools', 'Trường học', drawSchools]);
  const cards = tabs.map(([id, title]) => h('section', { class: 'card', id: `fa-${id}`, 'aria-labelledby': `fa-${id}-title` }, h('h2', { id: `fa-${id}-title`, text: title })));
  fill(section, h('h1', { text: 'Wifi công cộng và trường học' }), h('p', { class: 'muted', text: 'Số liệu ở đây được dùng cho bảng điều hành và các tiêu chí 4.3, 10.1, 10.2.' }), cards);
  await Promise.all(tabs.map(([, , draw], i) => draw(cards[i], ctx)));
}

// ---------------------------------------------------------------- wifi points

async function drawWifi(card, ctx) {
  const box = h('div', { class: 'alert', hidden: true, id: 'fw-alert' });
  const rows = h('tbody', { id: 'fw-rows' });
  const editor = h('div', { id: 'fw-editor' });
  card.append(h('button', { type: 'button', class: 'btn', id: 'fw-new', text: 'Thêm điểm wifi', on: { click: () => edit(null) } }), box,
    h('table', { class: 'cards', id: 'fw-table' }, h('thead', {}, h('tr', {}, ['Điểm', 'Loại', 'Xóm', 'Băng thông', 'Tình trạng', ''].map((x) => h('th', { scope: 'col', text: x })))), rows), editor);  // prettier-ignore
  const load = async () => {
    try {
      const list = await ctx.api.call('GET', '/facilities/wifi');
      fill(rows, (list.items || []).map((p) => h('tr', { dataset: { id: p.id } },
        h('td', { 'data-label': 'Điểm' }, h('button', { type: 'button', class: 'btn-link', text: p.name, on: { click: () => edit(p) } })),
        h('td', { 'data-label': 'Loại', text: `${KINDS[p.place_kind] || p.place_kind}${p.free ? '' : ' (thu phí)'}` }),
        h('td', { 'data-label': 'Xóm', text: ctx.hamletNames.get(p.hamlet_id) || '' }),
        h('td', { class: 'num', 'data-label': 'Băng thông', text: `${p.bandwidth_mbps} Mbps` }),
        h('td', { 'data-label': 'Tình trạng' }, h('span', { class: ['badge', p.status === 'in_service' ? 'badge-ok' : 'badge-bad'], text: p.status === 'in_service' ? 'Đang hoạt động' : 'Ngừng hoạt động' }),
          ` từ ${formatDateTime(p.status_since)}`, p.status_note ? h('br') : null, p.status_note || ''),
        h('td', {}, h('button', { type: 'button', class: 'btn btn-secondary btn-small', text: p.status === 'in_service' ? 'Báo ngừng hoạt động' : 'Hoạt động lại', on: { click: () => status(p) } })))));  // prettier-ignore
    } catch (error) {
      if (error.status !== 401) apiError(box, null, error);
    }
  };
  const status = (p) => {
    const alert = h('div', { class: 'alert', hidden: true, id: 'fws-alert' });
    const going = p.status === 'in_service' ? 'out_of_service' : 'in_service';
    const form = h('form', { id: 'fws-form', novalidate: true },
      field('fws-note', going === 'out_of_service' ? 'Lý do ngừng hoạt động' : 'Ghi chú', input('fws-note', 'note', '', { maxlength: 300 }), 'Ví dụ: mất nguồn điện, hỏng thiết bị, đã báo nhà mạng.'),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn', id: 'fws-save', text: going === 'out_of_service' ? 'Ghi ngừng hoạt động' : 'Ghi hoạt động lại' })));  // prettier-ignore
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      clearProblems(form, alert);
      const note = formValues(form).note || null;
      try {
        const saved = await busy(document.getElementById('fws-save'), 'Đang lưu…', () =>
          ctx.api.call('POST', `/facilities/wifi/${encodeURIComponent(p.id)}/status`, { body: { status: going, note, version: p.version } }));  // prettier-ignore
        fill(editor);
        notify(box, 'success', `${saved.name}: ${saved.status === 'in_service' ? 'đang hoạt động' : 'ngừng hoạt động'}.`);
        await load();
      } catch (error) {
        if (error.status !== 401) apiError(alert, form, error);
      }
    });
    fill(editor, h('h3', { text: p.name }), alert, form);
  };
  const edit = (p) => {
    const alert = h('div', { class: 'alert', hidden: true, id: 'fwe-alert' });
    const form = h('form', { id: 'fwe-form', novalidate: true },
      field('fwe-name', 'Tên điểm', input('fwe-name', 'name', p?.name, { maxlength: 150 })),
      field('fwe-place_kind', 'Loại địa điểm', select('fwe-place_kind', 'place_kind', Object.entries(KINDS), p?.place_kind)),
      field('fwe-hamlet_id', 'Xóm', select('fwe-hamlet_id', 'hamlet_id', hamlets(ctx), p?.hamlet_id || ''), 'Bắt buộc với nhà văn hóa xóm.'),
      field('fwe-lat', 'Vĩ độ', input('fwe-lat', 'lat', p?.location?.lat, { inputmode: 'decimal' })),
      field('fwe-lon', 'Kinh độ', input('fwe-lon', 'lon', p?.location?.lon, { inputmode: 'decimal' })),
      field('fwe-bandwidth_mbps', 'Băng thông (Mbps)', input('fwe-bandwidth_mbps', 'bandwidth_mbps', p?.bandwidth_mbps ?? 100, { inputmode: 'decimal' })),
      check('fwe-free', 'free', 'Miễn phí cho người dân', p ? p.free : true),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn', id: 'fwe-save', text: 'Lưu' })));  // prettier-ignore
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      clearProblems(form, alert);
      const v = formValues(form);
      const body = { name: v.name, place_kind: v.place_kind, hamlet_id: v.hamlet_id || null, location: { lat: number(v.lat), lon: number(v.lon) }, bandwidth_mbps: number(v.bandwidth_mbps), free: Boolean(v.free) };
      try {
        const saved = await busy(document.getElementById('fwe-save'), 'Đang lưu…', () =>
          p ? ctx.api.call('PUT', `/facilities/wifi/${encodeURIComponent(p.id)}`, { body: { ...body, version: p.version } })
            : ctx.api.call('POST', '/facilities/wifi', { body, headers: { 'Idempotency-Key': randomId() } }));  // prettier-ignore
        fill(editor);
        notify(box, 'success', `Đã lưu: ${saved.name}.`);
        await load();
      } catch (error) {
        if (error.status !== 401) apiError(alert, form, error);
      }
    });
    fill(editor, h('h3', { text: p ? p.name : 'Điểm wifi mới' }), alert, form);
  };
  await load();
}

// ---------------------------------------------------------------- schools

async function drawSchools(card, ctx) {
  const box = h('div', { class: 'alert', hidden: true, id: 'fs-alert' });
  const rows = h('tbody', { id: 'fs-rows' });
  const editor = h('div', { id: 'fs-editor' });
  card.append(h('button', { type: 'button', class: 'btn', id: 'fs-new', text: 'Thêm trường', on: { click: () => edit(null) } }), box,
    h('table', { class: 'cards', id: 'fs-table' }, h('thead', {}, h('tr', {}, ['Trường', 'Cấp', 'Năm học', 'Học sinh', 'Lớp', 'Giáo viên', 'PM quản trị', 'Thiết bị số', ''].map((x) => h('th', { scope: 'col', text: x })))), rows), editor);  // prettier-ignore
  const load = async () => {
    try {
      const list = await ctx.api.call('GET', '/facilities/schools');
      fill(rows, (list.items || []).map((s) => {
        const y = s.years[s.years.length - 1];
        return h('tr', { dataset: { id: s.id } },
          h('td', { 'data-label': 'Trường' }, h('button', { type: 'button', class: 'btn-link', text: s.name, on: { click: () => edit(s) } })),
          h('td', { 'data-label': 'Cấp', text: LEVELS[s.level] || s.level }),
          h('td', { 'data-label': 'Năm học', text: y ? y.school_year : 'Chưa nhập' }),
          h('td', { class: 'num', 'data-label': 'Học sinh', text: y ? String(y.pupils) : '' }),
          h('td', { class: 'num', 'data-label': 'Lớp', text: y ? String(y.classes) : '' }),
          h('td', { class: 'num', 'data-label': 'Giáo viên', text: y ? String(y.teachers) : '' }),
          h('td', { 'data-label': 'PM quản trị', text: y ? (y.has_management_software ? 'Có' : 'Chưa') : '' }),
          h('td', { 'data-label': 'Thiết bị số', text: y ? (y.has_digital_equipment ? 'Có' : 'Chưa') : '' }),
          h('td', {}, h('button', { type: 'button', class: 'btn btn-secondary btn-small', text: 'Nhập số liệu năm học', on: { click: () => figures(s) } })));
      }));  // prettier-ignore
    } catch (error) {
      if (error.status !== 401) apiError(box, null, error);
    }
  };
  const figures = (s) => {
    const alert = h('div', { class: 'alert', hidden: true, id: 'fsy-alert' });
    const last = s.years[s.years.length - 1];
    const form = h('form', { id: 'fsy-form', novalidate: true },
      field('fsy-school_year', 'Năm học', input('fsy-school_year', 'school_year', currentSchoolYear(), { maxlength: 9 }), 'Dạng 2026-2027. Nhập lại một năm đã có là sửa số liệu năm đó.'),
      field('fsy-pupils', 'Số học sinh', input('fsy-pupils', 'pupils', last?.pupils, { inputmode: 'numeric' })),
      field('fsy-classes', 'Số lớp', input('fsy-classes', 'classes', last?.classes, { inputmode: 'numeric' })),
      field('fsy-teachers', 'Số giáo viên', input('fsy-teachers', 'teachers', last?.teachers, { inputmode: 'numeric' })),
      check('fsy-has_management_software', 'has_management_software', 'Có phần mềm quản trị nhà trường (tiêu chí 10.1)', last?.has_management_software),
      check('fsy-has_digital_equipment', 'has_digital_equipment', 'Có thiết bị, phần mềm dạy học số (tiêu chí 10.2)', last?.has_digital_equipment),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn', id: 'fsy-save', text: 'Lưu số liệu' })));  // prettier-ignore
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      clearProblems(form, alert);
      const v = formValues(form);
      const body = { school_year: v.school_year, pupils: number(v.pupils), classes: number(v.classes), teachers: number(v.teachers),
        has_management_software: Boolean(v.has_management_software), has_digital_equipment: Boolean(v.has_digital_equipment), version: s.version };  // prettier-ignore
      try {
        await busy(document.getElementById('fsy-save'), 'Đang lưu…', () => ctx.api.call('POST', `/facilities/schools/${encodeURIComponent(s.id)}/years`, { body }));
        fill(editor);
        notify(box, 'success', `${s.name}: đã lưu số liệu năm học ${body.school_year}.`);
        await load();
      } catch (error) {
        if (error.status !== 401) apiError(alert, form, error);
      }
    });
    fill(editor, h('h3', { text: `${s.name}: số liệu năm học` }), alert, form);
  };
  const edit = (s) => {
    const alert = h('div', { class: 'alert', hidden: true, id: 'fse-alert' });
    const form = h('form', { id: 'fse-form', novalidate: true },
      field('fse-name', 'Tên trường', input('fse-name', 'name', s?.name, { maxlength: 150 })),
      field('fse-level', 'Cấp học', select('fse-level', 'level', Object.entries(LEVELS), s?.level)),
      field('fse-hamlet_id', 'Xóm', select('fse-hamlet_id', 'hamlet_id', hamlets(ctx), s?.hamlet_id || '')),
      field('fse-lat', 'Vĩ độ', input('fse-lat', 'lat', s?.location?.lat, { inputmode: 'decimal' })),
      field('fse-lon', 'Kinh độ', input('fse-lon', 'lon', s?.location?.lon, { inputmode: 'decimal' })),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn', id: 'fse-save', text: 'Lưu' })));  // prettier-ignore
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      clearProblems(form, alert);
      const v = formValues(form);
      const body = { name: v.name, level: v.level, hamlet_id: v.hamlet_id || null, location: { lat: number(v.lat), lon: number(v.lon) } };
      try {
        const saved = await busy(document.getElementById('fse-save'), 'Đang lưu…', () =>
          s ? ctx.api.call('PUT', `/facilities/schools/${encodeURIComponent(s.id)}`, { body: { ...body, version: s.version } })
            : ctx.api.call('POST', '/facilities/schools', { body, headers: { 'Idempotency-Key': randomId() } }));  // prettier-ignore
        fill(editor);
        notify(box, 'success', `Đã lưu: ${saved.name}.`);
        await load();
      } catch (error) {
        if (error.status !== 401) apiError(alert, form, error);
      }
    });
    fill(editor, h('h3', { text: s ? s.name : 'Trường mới' }), alert, form);
  };
  await load();
}
