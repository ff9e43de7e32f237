// The commune's loudspeakers with their live state (loaded on demand by admin.js), refreshed every 10 s, and the
// desired volume of one speaker (written to its device shadow; the speaker reports it back on its next sync).
// Seven columns that fit the 64rem card at 1366 px; the description leads its row and breaks only at its " - ".
import { busy, clearProblems, fieldProblem, fill, formatDateTime, formValues, h, notify, showError } from '/shared/sc.js';
import { DELIVERY } from '/admin/bulletin-labels.js';

const REFRESH_MS = 10000;
let generation = 0;

const field = (id, text, control) => h('div', { class: 'field' }, h('label', { for: id, text }), control);

export async function render(section, ctx) {
  const mine = ++generation;
  const alive = () => mine === generation && section.isConnected && !section.hidden;
  const box = h('div', { class: 'alert', hidden: true, id: 'dv-alert' });
  const summary = h('ul', { class: 'counts', id: 'dv-counts' });
  const updated = h('p', { class: 'muted', id: 'dv-updated' });
  const tbody = h('tbody');
  const thing = h('select', { id: 'dv-thing', name: 'thing', required: true }, h('option', { value: '', text: '— Chọn loa —' }));
  const save = h('button', { type: 'submit', class: 'btn', id: 'dv-save', text: 'Lưu âm lượng' });
  const form = h(
    'form',
    { class: 'card', id: 'dv-form', novalidate: true },
    h('h2', { text: 'Đặt âm lượng' }),
    h('div', { class: 'alert', hidden: true, id: 'dv-form-alert' }),
    h(
      'div',
      { class: 'form-grid' },
      field('dv-thing', 'Loa', thing),
      field('dv-volume', 'Âm lượng thường (0–100)', h('input', { id: 'dv-volume', name: 'volume', type: 'number', min: 0, max: 100 })),
      field('dv-emergency', 'Âm lượng khẩn cấp (0–100)', h('input', { id: 'dv-emergency', name: 'emergency_volume', type: 'number', min: 0, max: 100 })),
    ),
    h('div', { class: 'actions' }, save),
  );
  const head = ['Loa', 'Cụm, xóm', 'Trạng thái', 'Tín hiệu cuối', 'Âm lượng', 'Lệnh gần nhất', ''];
  fill(
    section,
    h('div', { class: 'section-head' }, h('h1', { text: 'Loa truyền thanh' })),
    summary,
    updated,
    box,
    h('div', { class: 'table-wrap' }, h('table', { id: 'dv-table' }, h('thead', {}, h('tr', {}, head.map((text) => h('th', { scope: 'col', text })))), tbody)),
    form,
  );
  let speakers = [];
  const choose = (sp) => {
    thing.value = sp.thing;
    form.elements.volume.value = sp.volume;
    form.elements.emergency_volume.value = sp.emergency_volume;
    form.elements.volume.focus();
  };
  const load = async () => {
    try {
      const list = await ctx.api.call('GET', '/devices/speakers');
      speakers = list.items || [];
      clearProblems(null, box);
      fill(
        summary,
        h('li', { id: 'dv-online' }, h('span', { class: 'badge badge-ok', text: 'Trực tuyến' }), h('strong', { text: ` ${list.online}` }), ` / ${list.total}`),
        h('li', { id: 'dv-offline' }, h('span', { class: 'badge badge-bad', text: 'Mất kết nối' }), h('strong', { text: ` ${list.total - list.online}` })),
      );
      fill(updated, `Cập nhật lúc ${formatDateTime(new Date())}; tự làm mới sau mỗi 10 giây.`);
      if (thing.options.length !== speakers.length + 1) {
        thing.replaceChildren(thing.options[0], ...speakers.map((sp) => h('option', { value: sp.thing, text: sp.label || sp.thing })));
      }
      fill(tbody, speakers.map((sp) => row(sp, ctx, choose)));
    } catch (error) {
      if (error.status !== 401) showError(box, null, error);
    }
  };
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const alert = form.querySelector('#dv-form-alert');
    clearProblems(form, alert);
    const v = formValues(form);
    if (!v.thing) return void fieldProblem(form, 'thing', 'Vui lòng chọn loa.');
    const body = {};
    for (const name of ['volume', 'emergency_volume']) {
      if (v[name] === '') continue;
      const n = Number(v[name]);
      if (!Number.isInteger(n) || n < 0 || n > 100) return void fieldProblem(form, name, 'Âm lượng là số nguyên từ 0 đến 100.');
      body[name] = n;
    }
    try {
      const state = await busy(save, 'Đang lưu…', () => ctx.api.call('PUT', `/devices/speakers/${encodeURIComponent(v.thing)}/settings`, { body }));
      notify(alert, 'success', `Đã đặt âm lượng cho ${state.label || state.thing}: thường ${state.volume}, khẩn cấp ${state.emergency_volume}. Loa sẽ áp dụng khi đồng bộ.`);
      await load();
    } catch (error) {
      if (error.status !== 401) showError(alert, form, error);
    }
  });
  await load();
  const timer = setInterval(() => {
    if (alive()) load();
    else clearInterval(timer);
  }, REFRESH_MS);
}

/** "Cụm loa số 01 - xóm Đông Thành - loa A" in pieces that each stay on one line. */
const description = (label) => label.split(' - ').map((part, i) => [i ? ' - ' : '', h('span', { class: 'nowrap', text: part })]);

function row(sp, ctx, choose) {
  const reported = sp.reported_volume == null ? '—' : sp.reported_volume;
  const seen = sp.last_seen_at ? formatDateTime(sp.last_seen_at).split(' ') : null;
  return h(
    'tr',
    { dataset: { thing: sp.thing, online: String(sp.online) }, class: sp.online ? null : 'is-offline' },
    h('td', { class: 'dv-label' }, sp.label ? description(sp.label) : null, h('span', { class: 'hint mono', text: sp.thing })),
    h('td', {}, h('span', { class: 'nowrap', text: sp.cluster_id }), h('span', { class: 'hint', text: ctx.hamletNames.get(sp.hamlet_id) || sp.hamlet_id })),
    h(
      'td',
      {},
      h('span', { class: ['badge', sp.online ? 'badge-ok' : 'badge-bad'], text: sp.online ? 'Trực tuyến' : 'Mất kết nối' }),
      sp.playing ? [' ', h('span', { class: 'badge prio-priority', text: 'Đang phát' })] : null,
    ),
    h('td', {}, seen ? [h('span', { class: 'nowrap', text: seen[0] }), ' ', h('span', { class: 'nowrap', text: seen[1] })] : 'Chưa có'),
    h('td', { class: 'num', title: 'đặt / loa báo về' }, `${sp.volume} / ${reported}`, h('span', { class: 'hint', text: `khẩn cấp ${sp.emergency_volume}` })),
    h('td', { class: 'nowrap', dataset: { state: sp.last_command_state || '' } }, sp.last_command_state ? DELIVERY[sp.last_command_state] || sp.last_command_state : '—'),
    h('td', {}, h('button', { type: 'button', class: 'btn btn-small btn-secondary', text: 'Chỉnh', 'aria-label': `Chỉnh âm lượng: ${sp.thing}`, on: { click: () => choose(sp) } })),
  );
}
