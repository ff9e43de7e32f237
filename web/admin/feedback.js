// Staff feedback inbox and one item's handling (workflow actions, comment moderation), loaded on demand by admin.js.
// The API decides who may do what; the page only offers the actions the signed-in roles own in the current status.
import { label } from '/shared/i18n.js';
import {
  $,
  busy,
  clearProblems,
  fieldProblem,
  fill,
  formatDate,
  formatDateTime,
  formValues,
  h,
  notify,
  remainingText,
  showError,
} from '/shared/sc.js';

const STATUSES = ['received', 'assigned', 'in_progress', 'resolved', 'approved', 'published', 'rejected', 'duplicate'];
const OPEN = ['received', 'assigned', 'in_progress'];
const UNITS = ['office', 'police', 'environment', 'infrastructure', 'health', 'school', 'culture'];
const MODERATORS = ['admin', 'office', 'culture'];
const LEADS = ['admin', 'office'];
// action → [from statuses, who (a role, or "unit" for the item's handling unit), input it needs, button text, done text]
const ACTIONS = {
  assign: [['received'], LEADS, 'unit', 'Giao xử lý'],
  transfer: [['assigned', 'in_progress'], [...LEADS, 'unit'], 'unit', 'Chuyển đơn vị'],
  start: [['assigned'], ['admin', 'unit'], 'note?', 'Bắt đầu xử lý'],
  progress: [['in_progress'], ['admin', 'unit'], 'note', 'Ghi tiến độ'],
  resolve: [['in_progress'], ['admin', 'unit'], 'result', 'Ghi kết quả'],
  approve: [['resolved'], LEADS, 'note?', 'Duyệt kết quả'],
  publish: [['approved'], [...LEADS, 'culture'], 'note?', 'Công khai'],
  reject: [['received', 'assigned', 'in_progress'], LEADS, 'reason', 'Từ chối'],
  duplicate: [['received', 'assigned', 'in_progress'], LEADS, 'duplicate_of', 'Đánh dấu trùng'],
};
const INPUTS = {
  unit: ['unit', 'Đơn vị xử lý'],
  note: ['note', 'Ghi chú tiến độ'],
  'note?': ['note', 'Ghi chú (không bắt buộc)'],
  result: ['result', 'Kết quả xử lý (người dân sẽ thấy)'],
  reason: ['reason', 'Lý do (người dân sẽ thấy)'],
  duplicate_of: ['duplicate_of', 'Trùng với phản ánh (mã theo dõi)'],
};

let fields = [];
const fieldName = (code) => fields.find((f) => f.code === code)?.name || code || '';
const badge = (status) => h('span', { class: ['badge', `fb-${status}`], text: label('fb', status) });
const opts = (first, list) => [h('option', { value: '', text: first }), list.map(([value, text]) => h('option', { value, text }))];

function deadlineCell(item) {
  if (item.overdue && OPEN.includes(item.status)) {
    return [h('span', { class: 'badge overdue-flag', text: 'Quá hạn' }), ' ', h('span', { class: 'hint', text: remainingText(item.remaining_hours ?? 0, true) })];
  }
  if (!OPEN.includes(item.status)) return h('span', { class: 'muted', text: formatDate(item.deadline_at) });
  return [formatDate(item.deadline_at), item.remaining_hours == null ? null : h('span', { class: 'hint', text: remainingText(item.remaining_hours, false) })];
}

/** `#/feedback` → the inbox; `#/feedback/<id>` → one item. */
export async function render(section, ctx) {
  if (!fields.length) {
    try {
      fields = (await ctx.api.call('GET', `/communes/${encodeURIComponent(ctx.commune.id)}/feedback-fields`)).items || [];
    } catch {
      fields = [];
    }
  }
  if (ctx.arg) await detail(section, ctx, decodeURIComponent(ctx.arg));
  else await inbox(section, ctx);
}

// ---------------------------------------------------------------- inbox

async function inbox(section, ctx) {
  const hamlets = [...ctx.hamletNames].map(([id, name]) => [id, name]);
  const filter = h(
    'form',
    { id: 'fb-filter', class: 'card filter fb-filter', role: 'search', novalidate: true },
    // Nearest deadline first by default (the late ones lead): what a unit must answer next.
    sel('fbf-sort', 'Sắp xếp', 'sort', [h('option', { value: 'deadline', text: 'Hạn gần nhất trước (đang mở)' }), h('option', { value: 'newest', text: 'Mới nhất trước (tất cả)' })]),
    sel('fbf-status', 'Trạng thái', 'status', opts('Tất cả', STATUSES.map((st) => [st, label('fb', st)]))),
    sel('fbf-field', 'Lĩnh vực', 'field', opts('Tất cả', fields.map((f) => [f.code, f.name]))),
    sel('fbf-hamlet', 'Xóm', 'hamlet', opts('Tất cả các xóm', hamlets)),
    sel('fbf-unit', 'Đơn vị xử lý', 'unit', opts('Tất cả', UNITS.map((u) => [u, label('role', u)]))),
    h('div', { class: 'field check' }, h('input', { type: 'checkbox', id: 'fbf-overdue', name: 'overdue', value: 'true' }), h('label', { for: 'fbf-overdue', text: 'Chỉ phản ánh quá hạn' })),
  );
  const counts = h('ul', { class: 'counts', id: 'fb-counts', 'aria-label': 'Số lượng' });
  const box = h('div', { class: 'alert', hidden: true });
  const tbody = h('tbody');
  const empty = h('p', { class: 'muted', hidden: true, text: 'Không có phản ánh nào phù hợp.' });
  const more = h('button', { type: 'button', class: 'btn btn-secondary', hidden: true, text: 'Xem thêm' });
  const head = ['Mã', 'Tiêu đề', 'Lĩnh vực', 'Xóm', 'Đơn vị', 'Trạng thái', 'Hạn xử lý'];
  fill(
    section,
    h('div', { class: 'section-head' }, h('h1', { text: 'Phản ánh, kiến nghị' }), h('a', { class: 'btn btn-secondary', href: '#/stats', text: 'Thống kê' })),
    filter,
    counts,
    box,
    h('div', { class: 'table-wrap' }, h('table', { id: 'fb-table', class: 'cards' }, h('thead', {}, h('tr', {}, head.map((text) => h('th', { scope: 'col', text })))), tbody)),
    empty,
    h('div', { class: 'actions more' }, more),
  );
  let cursor = null;
  let latest = 0; // only the answer to the newest filter is drawn
  const load = async (reset) => {
    const mine = ++latest;
    try {
      const page = await ctx.api.call('GET', '/staff/feedback', { query: { ...formValues(filter), cursor: reset ? null : cursor } });
      if (mine !== latest) return;
      if (reset) tbody.replaceChildren();
      clearProblems(null, box);
      for (const item of page.items || []) tbody.append(row(item, ctx));
      cursor = page.next_cursor || null;
      more.hidden = !cursor;
      empty.hidden = tbody.rows.length > 0;
      drawCounts(counts, page.counts || {});
    } catch (error) {
      if (error.status !== 401) showError(box, null, error);
    }
  };
  filter.addEventListener('change', () => load(true));
  filter.addEventListener('submit', (event) => event.preventDefault());
  more.addEventListener('click', () => busy(more, 'Đang tải…', () => load(false)));
  await load(true);
}

function sel(id, text, name, options) {
  return h('div', { class: 'field' }, h('label', { for: id, text }), h('select', { id, name }, options));
}

function drawCounts(list, counts) {
  const byStatus = counts.by_status || {};
  fill(
    list,
    STATUSES.filter((st) => byStatus[st]).map((st) => h('li', {}, badge(st), h('strong', { text: ` ${byStatus[st]}` }))),
    h('li', { id: 'fb-overdue-count' }, h('span', { class: 'badge overdue-flag', text: 'Quá hạn' }), h('strong', { text: ` ${counts.overdue || 0}` })),
  );
}

function row(item, ctx) {
  return h(
    'tr',
    { dataset: { id: item.id }, class: item.overdue && OPEN.includes(item.status) ? 'is-overdue' : null },
    h('td', { class: 'mono nowrap', 'data-label': 'Mã', text: item.tracking_code || '' }),
    h('td', { 'data-label': 'Tiêu đề' }, h('a', { href: `#/feedback/${encodeURIComponent(item.id)}`, text: item.title })),
    h('td', { 'data-label': 'Lĩnh vực', text: fieldName(item.field_code) }),
    h('td', { class: 'nowrap', 'data-label': 'Xóm', text: ctx.hamletNames.get(item.hamlet_id) || item.hamlet_id || '' }),
    h('td', { 'data-label': 'Đơn vị', text: item.unit ? label('role', item.unit) : '' }),
    h('td', { 'data-label': 'Trạng thái' }, badge(item.status)),
    h('td', { 'data-label': 'Hạn xử lý' }, deadlineCell(item)),
  );
}

// ---------------------------------------------------------------- one item

// The step an item waits for, and who takes it, for a person who cannot take it themselves.
const NEXT = { received: 'assign', assigned: 'start', in_progress: 'resolve', resolved: 'approve', approved: 'publish' };
const NEXT_TEXT = {
  assign: 'giao cho đơn vị xử lý',
  start: 'bắt đầu xử lý',
  resolve: 'ghi kết quả xử lý',
  approve: 'duyệt kết quả (một người khác với người đã xử lý)',
  publish: 'công khai kết quả',
};

function waitingOn(item) {
  const next = NEXT[item.status];
  if (!next) return 'Phản ánh đã kết thúc: không còn bước xử lý nào.';
  const who = ACTIONS[next][1].filter((role) => role !== 'admin'); // the chairman may always step in; not news
  const names = [...new Set(who.map((role) => label('role', role === 'unit' ? item.unit : role)))];
  return `Đang chờ ${names.join(' hoặc ')} ${NEXT_TEXT[next]}.`;
}

function owns(who, item, roles) {
  return who.some((role) => (role === 'unit' ? roles.includes(item.unit) : roles.includes(role)));
}

async function detail(section, ctx, id, message) {
  const item = await ctx.api.call('GET', `/feedback/${encodeURIComponent(id)}`);
  const roles = ctx.me.roles;
  const again = (text) => detail(section, ctx, id, text);
  const box = h('div', { class: 'alert', hidden: true, tabindex: '-1', id: 'fb-action-alert' });
  const panel = h('div', { id: 'fb-action-form' });
  const available = Object.entries(ACTIONS).filter(([, [from, who]]) => from.includes(item.status) && owns(who, item, roles));
  const photos = (item.photos || []).filter((p) => p.url);
  fill(
    section,
    h('p', {}, h('a', { href: '#/feedback', text: '← Hộp phản ánh' })),
    h(
      'article',
      { class: 'card', id: 'fb-detail' },
      h('h1', { text: item.title }),
      h('p', {}, badge(item.status), ' ', h('span', { class: 'mono', text: item.tracking_code || '' }), item.channel === 'open311' ? h('span', { class: 'badge', text: 'Open311' }) : null),
      h(
        'dl',
        { class: 'facts' },
        fact('Lĩnh vực', fieldName(item.field_code)),
        fact('Xóm', ctx.hamletNames.get(item.hamlet_id) || item.hamlet_id),
        fact('Đơn vị xử lý', item.unit ? label('role', item.unit) : '—'),
        fact('Ngày gửi', formatDateTime(item.created_at)),
        fact('Hạn xử lý', deadlineCell(item)),
        item.location ? fact('Vị trí', `${item.location.lat}, ${item.location.lon}`) : null,
        fact('Công khai', item.anonymous_public ? 'Ẩn danh (không hiện ảnh)' : 'Có hiện ảnh'),
      ),
      h('p', { class: 'fb-text', text: item.description }),
      photos.length ? h('div', { class: 'photos' }, photos.map((p) => h('a', { href: p.url, target: '_blank', rel: 'noopener' }, h('img', { src: p.url, alt: 'Ảnh phản ánh', loading: 'lazy' })))) : null,
      item.result ? h('div', { class: 'fb-result' }, h('h2', { text: 'Kết quả xử lý' }), h('p', { text: item.result })) : null,
      item.rejection_reason ? h('div', { class: 'fb-result bad' }, h('h2', { text: 'Lý do từ chối' }), h('p', { text: item.rejection_reason })) : null,
      item.duplicate_of ? h('p', { text: `Trùng với: ${item.duplicate_of}` }) : null,
      item.rating?.stars ? h('p', {}, 'Người dân đánh giá: ', h('span', { class: 'stars', text: '★'.repeat(item.rating.stars) + '☆'.repeat(5 - item.rating.stars) }), item.rating.comment ? ` — ${item.rating.comment}` : '') : null,
    ),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'fb-actions-title' },
      h('h2', { id: 'fb-actions-title', text: 'Xử lý' }),
      box,
      available.some(([action]) => action === NEXT[item.status]) ? null : h('p', { class: 'muted', id: 'fb-next', text: waitingOn(item) }),
      available.length
        ? h('div', { class: 'actions', id: 'fb-actions' }, available.map(([action, spec]) => h('button', { type: 'button', class: ['btn', (action === 'reject' || action === 'duplicate') && 'btn-danger'], text: spec[3], dataset: { action }, on: { click: () => actionForm(panel, box, ctx, item, action, again) } })))
        : null,
      panel,
    ),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'fb-tl-title' },
      h('h2', { id: 'fb-tl-title', text: 'Quá trình xử lý' }),
      h('ol', { class: 'timeline', id: 'fb-timeline' }, (item.timeline || []).map((e) => h('li', {}, h('span', { class: 'when', text: `${formatDateTime(e.at)} · ${label('role', e.actor_role)}` }), ' ', badge(e.status), e.note ? h('p', { text: e.note }) : null))),
    ),
    commentsCard(item, ctx, roles, again),
  );
  if (message) {
    notify(box, 'success', message);
    box.focus();
  }
}

function fact(term, value) {
  return [h('dt', { text: term }), h('dd', {}, value || '—')];
}

function actionForm(panel, box, ctx, item, action, again) {
  const [, , input, text] = ACTIONS[action];
  const [name, labelText] = INPUTS[input];
  const id = `fa-${name}`;
  const control =
    name === 'unit'
      ? h('select', { id, name }, UNITS.filter((u) => u !== item.unit || action === 'assign').map((u) => h('option', { value: u, text: label('role', u), selected: u === (fields.find((f) => f.code === item.field_code)?.unit || item.unit) })))
      : name === 'duplicate_of'
        ? h('input', { id, name, type: 'text', maxlength: 64 })
        : h('textarea', { id, name, rows: 3, maxlength: 4000 });
  const form = h(
    'form',
    { class: 'action-form', novalidate: true, dataset: { action } },
    h('h3', { text }),
    h('div', { class: 'field' }, h('label', { for: id, text: labelText }), control),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn', text: `Xác nhận: ${text}` }), h('button', { type: 'button', class: 'btn btn-secondary', text: 'Hủy', on: { click: () => panel.replaceChildren() } })),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearProblems(form, box);
    const values = formValues(form);
    if (!input.endsWith('?') && !values[name]) return fieldProblem(form, name, 'Vui lòng nhập thông tin này.');
    const body = { action, expected_version: item.version };
    if (values[name]) body[name] = values[name];
    try {
      const updated = await busy($('button[type="submit"]', form), 'Đang lưu…', () => ctx.api.call('POST', `/feedback/${encodeURIComponent(item.id)}/actions`, { body }));
      await again(`Đã cập nhật: ${label('fb', updated?.status || '')}`.trim());
    } catch (error) {
      if (error.status === 401) return;
      showError(box, form, error);
      if (error.status === 409) box.append(h('p', {}, h('button', { type: 'button', class: 'btn btn-secondary btn-small', text: 'Tải lại', on: { click: () => again() } })));
    }
  });
  fill(panel, form);
  control.focus();
}

function commentsCard(item, ctx, roles, again) {
  const box = h('div', { class: 'alert', hidden: true });
  const moderator = roles.some((r) => MODERATORS.includes(r));
  const form = h(
    'form',
    { id: 'fb-reply', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: 'fb-reply-body', text: 'Trả lời với tư cách UBND xã' }), h('textarea', { id: 'fb-reply-body', name: 'body', rows: 3, maxlength: 2000 })),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn', text: 'Gửi trả lời' })),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearProblems(form, box);
    const { body } = formValues(form);
    if (!body) return fieldProblem(form, 'body', 'Vui lòng nhập nội dung.');
    try {
      await busy($('button', form), 'Đang gửi…', () => ctx.api.call('POST', `/feedback/${encodeURIComponent(item.id)}/comments`, { body: { body } }));
      await again('Đã gửi trả lời.');
    } catch (error) {
      if (error.status !== 401) showError(box, form, error);
    }
  });
  const toggle = async (comment, button) => {
    try {
      await busy(button, 'Đang lưu…', () =>
        ctx.api.call('POST', `/feedback/${encodeURIComponent(item.id)}/comments/${encodeURIComponent(comment.id)}/visibility`, { body: { hidden: !comment.hidden } }),
      );
      await again(comment.hidden ? 'Đã hiện lại bình luận.' : 'Đã ẩn bình luận.');
    } catch (error) {
      if (error.status !== 401) showError(box, null, error);
    }
  };
  const list = item.comments || [];
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'fb-c-title' },
    h('h2', { id: 'fb-c-title', text: 'Trao đổi với người dân' }),
    list.length
      ? h(
          'ul',
          { class: 'comments', id: 'fb-comments' },
          list.map((c) =>
            h(
              'li',
              { class: [c.hidden && 'is-hidden'], dataset: { id: c.id } },
              h('span', { class: 'who', text: `${c.author_label || (c.author === 'citizen' ? 'Người dân' : 'UBND xã')} · ${formatDateTime(c.created_at)}` }),
              c.hidden ? h('span', { class: 'badge badge-locked', text: 'Đã ẩn' }) : null,
              h('p', { text: c.body }),
              moderator ? h('button', { type: 'button', class: 'btn btn-secondary btn-small', text: c.hidden ? 'Hiện' : 'Ẩn', on: { click: (e) => toggle(c, e.currentTarget) } }) : null,
            ),
          ),
        )
      : h('p', { class: 'muted', text: 'Chưa có trao đổi nào.' }),
    box,
    form,
  );
}
