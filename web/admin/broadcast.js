// Bulletins for the loudspeakers, the portal, SMS and CAP (loaded on demand by admin.js): the list, the draft form,
// one bulletin with approval (two-person rule: never by its drafter), revocation and the per-speaker delivery report.
import {
  busy,
  clearProblems,
  fieldProblem,
  fill,
  formatDate,
  formatDateTime,
  formValues,
  h,
  notify,
  parseDateVn,
  showError,
} from '/shared/sc.js';

const PRIORITY = { normal: 'Thường', priority: 'Ưu tiên', emergency: 'Khẩn cấp' };
const STATUS = { draft: 'Chờ duyệt', approved: 'Đã duyệt', revoked: 'Đã thu hồi', cancelled: 'Đã hủy' };
const STATUS_CLASS = { draft: 'fb-received', approved: 'badge-ok', revoked: 'badge-bad', cancelled: 'badge-bad' };
const DELIVERY = {
  pending: 'Chờ gửi',
  sent: 'Đã gửi lệnh',
  received: 'Đã nhận lệnh',
  started: 'Đang phát',
  finished: 'Đã phát',
  failed: 'Lỗi',
  expired: 'Hết hạn',
};
const CATEGORY = {
  Other: 'Khác',
  Met: 'Khí tượng, thời tiết',
  Geo: 'Địa chất, động đất',
  Safety: 'An toàn',
  Security: 'An ninh, trật tự',
  Rescue: 'Cứu hộ, cứu nạn',
  Fire: 'Phòng cháy, chữa cháy',
  Health: 'Y tế, dịch bệnh',
  Env: 'Môi trường',
  Transport: 'Giao thông',
  Infra: 'Hạ tầng',
  CBRNE: 'Hóa chất, phóng xạ',
};
const WEEKDAYS = ['T2', 'T3', 'T4', 'T5', 'T6', 'T7', 'CN'];
const REFRESH_MS = 3000;

let generation = 0; // a newer render stops the previous one's refresh

const priorityBadge = (p) => h('span', { class: ['badge', `prio-${p}`], text: PRIORITY[p] || p });
const statusBadge = (s) => h('span', { class: ['badge', STATUS_CLASS[s]], text: STATUS[s] || s });
const fact = (term, value) => [h('dt', { text: term }), h('dd', {}, value ?? '—')];
const field = (id, text, control) => h('div', { class: 'field' }, h('label', { for: id, text }), control);
const options = (map, chosen) => Object.entries(map).map(([value, text]) => h('option', { value, text, selected: value === chosen }));
const checks = (name, items, prefix) =>
  items.map(([value, text], i) =>
    h('span', { class: 'check' }, h('input', { type: 'checkbox', id: `${prefix}-${i}`, name, value }), h('label', { for: `${prefix}-${i}`, text })),
  );

/** `#/broadcast` → the list; `#/broadcast/moi` → the draft form; `#/broadcast/<id>` → one bulletin. */
export async function render(section, ctx) {
  const mine = ++generation;
  const alive = () => mine === generation && section.isConnected && !section.hidden;
  if (ctx.arg === 'moi') await draftForm(section, ctx);
  else if (ctx.arg) await detail(section, ctx, decodeURIComponent(ctx.arg), alive);
  else await list(section, ctx);
}

// ---------------------------------------------------------------- list

async function list(section, ctx) {
  const status = h('select', { id: 'bl-status', name: 'status' }, h('option', { value: '', text: 'Tất cả' }), options(STATUS));
  const box = h('div', { class: 'alert', hidden: true });
  const tbody = h('tbody');
  const empty = h('p', { class: 'muted', hidden: true, text: 'Chưa có bản tin nào.' });
  const head = ['Tiêu đề', 'Mức', 'Trạng thái', 'Người soạn', 'Ngày soạn', 'Lần phát tới'];
  fill(
    section,
    h('div', { class: 'section-head' }, h('h1', { text: 'Truyền thanh' }), h('a', { class: 'btn', href: '#/broadcast/moi', text: 'Soạn bản tin' })),
    h('form', { class: 'card filter', role: 'search', novalidate: true }, field('bl-status', 'Trạng thái', status)),
    box,
    h('div', { class: 'table-wrap' }, h('table', { id: 'bl-table' }, h('thead', {}, h('tr', {}, head.map((text) => h('th', { scope: 'col', text })))), tbody)),
    empty,
  );
  const load = async () => {
    try {
      const page = await ctx.api.call('GET', '/bulletins', { query: { status: status.value, limit: 50 } });
      clearProblems(null, box);
      fill(
        tbody,
        (page.items || []).map((b) =>
          h(
            'tr',
            { dataset: { id: b.id }, class: b.priority === 'emergency' ? 'is-emergency' : null },
            h('td', {}, h('a', { href: `#/broadcast/${encodeURIComponent(b.id)}`, text: b.headline })),
            h('td', {}, priorityBadge(b.priority)),
            h('td', {}, statusBadge(b.status)),
            h('td', { text: b.created_by_name }),
            h('td', { class: 'nowrap', text: formatDateTime(b.created_at) }),
            h('td', { class: 'nowrap', text: b.next_play_at ? formatDateTime(b.next_play_at) : '—' }),
          ),
        ),
      );
      empty.hidden = tbody.rows.length > 0;
    } catch (error) {
      if (error.status !== 401) showError(box, null, error);
    }
  };
  status.addEventListener('change', load);
  await load();
}

// ---------------------------------------------------------------- draft

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

async function draftForm(section, ctx) {
  const roles = ctx.me.roles;
  const category = roles.includes('health') ? 'Health' : roles.includes('police') ? 'Security' : 'Other';
  const clusters = await clusterIds(ctx);
  const box = h('div', { class: 'alert', hidden: true, id: 'bd-alert' });
  const hamletBox = h('fieldset', { class: 'choices', hidden: true }, h('legend', { text: 'Các xóm' }), checks('hamlets', [...ctx.hamletNames], 'bd-h'));
  const clusterBox = h(
    'fieldset',
    { class: 'choices', hidden: true },
    h('legend', { text: 'Các cụm loa' }),
    clusters ? checks('clusters', clusters, 'bd-c') : field('bd-clusters', 'Mã cụm loa, cách nhau bởi dấu phẩy', h('input', { id: 'bd-clusters', name: 'clusters', placeholder: 'gp-cl-01, gp-cl-02' })),
  );
  const once = h(
    'div',
    { class: 'form-grid', hidden: true },
    field('bd-date', 'Ngày phát (dd/mm/yyyy)', h('input', { id: 'bd-date', name: 'date', inputmode: 'numeric', maxlength: 10, placeholder: 'dd/mm/yyyy' })),
    field('bd-time', 'Giờ phát (HH:MM)', h('input', { id: 'bd-time', name: 'time', type: 'time' })),
  );
  const recurring = h(
    'div',
    { hidden: true },
    h(
      'div',
      { class: 'form-grid' },
      field('bd-times', 'Các giờ phát hằng ngày (HH:MM, cách nhau bởi dấu phẩy)', h('input', { id: 'bd-times', name: 'times', placeholder: '06:00, 17:00' })),
      field('bd-start', 'Từ ngày (dd/mm/yyyy)', h('input', { id: 'bd-start', name: 'start_date', inputmode: 'numeric', maxlength: 10, placeholder: 'dd/mm/yyyy' })),
      field('bd-end', 'Đến ngày (dd/mm/yyyy)', h('input', { id: 'bd-end', name: 'end_date', inputmode: 'numeric', maxlength: 10, placeholder: 'dd/mm/yyyy' })),
    ),
    h('fieldset', { class: 'choices' }, h('legend', { text: 'Chỉ vào các thứ (để trống: mọi ngày)' }), checks('weekdays', WEEKDAYS.map((d, i) => [String(i + 1), d]), 'bd-w')),
  );
  const scope = h('select', { id: 'bd-scope', name: 'scope' }, options({ commune: 'Toàn xã', hamlets: 'Một số xóm', clusters: 'Một số cụm loa' }));
  const kind = h('select', { id: 'bd-kind', name: 'kind' }, options({ now: 'Phát ngay khi được duyệt', once: 'Một lần, vào lúc', recurring: 'Theo khung giờ hằng ngày' }));
  const save = h('button', { type: 'submit', class: 'btn', id: 'bd-save', text: 'Lưu bản nháp và gửi duyệt' });
  const form = h(
    'form',
    { id: 'bd-form', class: 'card', novalidate: true },
    box,
    field('bd-headline', 'Tiêu đề', h('input', { id: 'bd-headline', name: 'headline', required: true, maxlength: 160 })),
    field('bd-text', 'Nội dung (loa sẽ đọc)', h('textarea', { id: 'bd-text', name: 'text', required: true, maxlength: 4000, rows: 5 })),
    field('bd-instruction', 'Hướng dẫn người dân (không bắt buộc)', h('textarea', { id: 'bd-instruction', name: 'instruction', maxlength: 1000, rows: 2 })),
    h(
      'div',
      { class: 'form-grid' },
      field('bd-priority', 'Mức ưu tiên', h('select', { id: 'bd-priority', name: 'priority' }, options(PRIORITY))),
      field('bd-category', 'Lĩnh vực', h('select', { id: 'bd-category', name: 'category' }, options(CATEGORY, category))),
      field('bd-event', 'Sự kiện', h('input', { id: 'bd-event', name: 'event', maxlength: 120, value: 'Thông báo' })),
      field('bd-repeat', 'Số lần đọc lặp lại', h('input', { id: 'bd-repeat', name: 'repeat', type: 'number', min: 1, max: 5, value: 1 })),
      field('bd-scope', 'Phạm vi', scope),
      field('bd-kind', 'Lịch phát', kind),
    ),
    hamletBox,
    clusterBox,
    once,
    recurring,
    h('div', { class: 'actions' }, save, h('a', { class: 'btn btn-secondary', href: '#/broadcast', text: 'Hủy' })),
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
      const created = await busy(save, 'Đang lưu và tạo bản đọc…', () => ctx.api.call('POST', '/bulletins', { body }));
      window.location.hash = `#/broadcast/${encodeURIComponent(created.id)}`;
    } catch (error) {
      if (error.status !== 401) showError(box, form, error);
    }
  });
  fill(section, h('p', {}, h('a', { href: '#/broadcast', text: '← Danh sách bản tin' })), h('h1', { text: 'Soạn bản tin' }), form);
}

/** The form as a NewBulletin, or null after marking what is missing. */
function draftBody(form, box) {
  clearProblems(form, box);
  const v = formValues(form);
  const data = new FormData(form);
  const bad = (name, message) => (fieldProblem(form, name, message) || notify(box, 'error', message), null);
  if (!v.headline) return bad('headline', 'Vui lòng nhập tiêu đề.');
  if (!v.text) return bad('text', 'Vui lòng nhập nội dung.');
  const body = { headline: v.headline, text: v.text, priority: v.priority, category: v.category, event: v.event || 'Thông báo', repeat: Number(v.repeat) || 1 };
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

// ---------------------------------------------------------------- one bulletin

function scheduleText(s) {
  if (!s || s.kind === 'now') return 'Phát ngay khi được duyệt';
  if (s.kind === 'once') return `Một lần, lúc ${formatDateTime(s.at)}`;
  const days = s.weekdays?.length ? ` (các ngày ${s.weekdays.map((d) => WEEKDAYS[d - 1]).join(', ')})` : '';
  return `Hằng ngày lúc ${s.times.join(', ')}${days}, từ ${formatDate(s.start_date)} đến ${formatDate(s.end_date)}`;
}

function targetText(b, ctx) {
  const t = b.target || {};
  if (t.scope === 'hamlets') return t.hamlets.map((id) => ctx.hamletNames.get(id) || id).join(', ');
  if (t.scope === 'clusters') return `Cụm loa: ${t.clusters.join(', ')}`;
  return 'Toàn xã';
}

async function detail(section, ctx, id, alive, message) {
  const b = await ctx.api.call('GET', `/bulletins/${encodeURIComponent(id)}`);
  const again = (text) => detail(section, ctx, id, alive, text);
  const box = h('div', { class: 'alert', hidden: true, id: 'bd-action-alert', tabindex: '-1' });
  const ownWork = ctx.me.id === b.created_by || ctx.me.id === b.edited_by;
  const open = b.status === 'draft' || b.status === 'approved';
  const actions = h('div', { class: 'actions', id: 'bd-actions' });
  if (b.status === 'draft' && ctx.can('approveBulletin') && !ownWork) {
    const approve = h('button', { type: 'button', class: 'btn', text: 'Duyệt và phát' });
    approve.addEventListener('click', async () => {
      try {
        await busy(approve, 'Đang duyệt…', () => ctx.api.call('POST', `/bulletins/${encodeURIComponent(b.id)}/approve`, { body: { version: b.version } }));
        await again('Đã duyệt: bản tin được công bố và phát theo lịch.');
      } catch (error) {
        if (error.status !== 401) showError(box, null, error);
      }
    });
    actions.append(approve);
  }
  const revokeForm = open ? revocation(ctx, b, box, again) : null;
  fill(
    section,
    h('p', {}, h('a', { href: '#/broadcast', text: '← Danh sách bản tin' })),
    h(
      'article',
      { class: ['card', b.priority === 'emergency' && 'is-emergency'], id: 'bd-detail' },
      h('h1', { text: b.headline }),
      h('p', {}, priorityBadge(b.priority), ' ', statusBadge(b.status)),
      h(
        'dl',
        { class: 'facts' },
        fact('Lĩnh vực', `${CATEGORY[b.category] || b.category} — ${b.event}`),
        fact('Phạm vi', targetText(b, ctx)),
        fact('Lịch phát', scheduleText(b.schedule)),
        fact('Âm lượng, lặp lại', `${b.volume} — ${b.repeat} lần`),
        fact('Người soạn', `${b.created_by_name}, ${formatDateTime(b.created_at)}`),
        fact('Người duyệt', b.approval ? `${b.approval.approver_name}, ${formatDateTime(b.approval.approved_at)}` : 'Chưa duyệt'),
        fact('Lần phát tới', b.next_play_at ? formatDateTime(b.next_play_at) : '—'),
        fact('Số lần đã phát', String(b.plays)),
        b.revoked_reason ? fact('Lý do thu hồi', b.revoked_reason) : null,
        b.audio_url ? fact(b.audio?.source === 'upload' ? 'Bản ghi âm' : 'Bản đọc', player(b)) : null,
      ),
      h('p', { class: 'fb-text', text: b.text }),
      b.instruction ? h('p', { class: 'fb-text' }, h('strong', { text: 'Hướng dẫn: ' }), b.instruction) : null,
    ),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'bd-actions-title' },
      h('h2', { id: 'bd-actions-title', text: 'Xử lý' }),
      box,
      b.status === 'draft' && ownWork ? h('p', { class: 'muted', text: 'Bản tin do bạn soạn phải được một người khác (lãnh đạo) duyệt.' }) : null,
      actions,
      b.status === 'draft' ? recording(ctx, b, box, again) : null,
      revokeForm,
      !open ? h('p', { class: 'muted', text: 'Bản tin đã kết thúc, không còn thao tác nào.' }) : null,
    ),
    b.plays || b.status === 'approved' ? await delivery(ctx, b, alive) : null,
  );
  if (message) {
    notify(box, 'success', message);
    box.focus();
  }
}

/** The bulletin's audio, played from the site itself (`/media/…`: the page's security policy allows nothing else). */
function player(b) {
  return h(
    'span',
    { class: 'audio' },
    h('audio', { controls: true, preload: 'none', src: b.audio_url, id: 'bd-audio' }),
    ' ',
    h('a', { href: b.audio_url, target: '_blank', rel: 'noopener', text: 'Tải MP3' }),
  );
}

const MAX_RECORDING = 20 * 1024 * 1024;

/** PUT `file` to the ticket's same-origin presigned URL with the signed headers (the browser sets the length). */
function putRecording(ticket, file, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(ticket.method || 'PUT', ticket.url);
    for (const [name, value] of Object.entries(ticket.headers || {})) {
      if (!/^(content-length|host)$/i.test(name)) xhr.setRequestHeader(name, value);
    }
    xhr.upload.addEventListener('progress', (e) => e.lengthComputable && onProgress(e.loaded / e.total));
    xhr.addEventListener('load', () =>
      xhr.status >= 200 && xhr.status < 300 ? resolve() : reject(new Error(`Tải tệp lên không thành công (mã ${xhr.status}). Vui lòng thử lại.`)),
    );
    xhr.addEventListener('error', () => reject(new Error('Mất kết nối khi tải tệp lên. Vui lòng thử lại.')));
    xhr.send(file);
  });
}

/** Upload a recorded MP3 to play instead of the synthesised speech (the bulletin then needs approval again). */
function recording(ctx, b, box, again) {
  const input = h('input', { id: 'bd-recording', name: 'recording', type: 'file', accept: 'audio/mpeg,.mp3' });
  const progress = h('p', { class: 'muted', id: 'bd-recording-progress', role: 'status', hidden: true });
  const button = h('button', { type: 'submit', class: 'btn btn-secondary', id: 'bd-recording-send', text: 'Dùng bản ghi âm này' });
  const form = h(
    'form',
    { class: 'action-form', id: 'bd-upload', novalidate: true },
    field('bd-recording', 'Thay bản đọc tự động bằng bản ghi âm (MP3, tối đa 20 MB)', input),
    progress,
    h('div', { class: 'actions' }, button),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearProblems(form, box);
    const file = input.files && input.files[0];
    if (!file) return fieldProblem(form, 'recording', 'Vui lòng chọn một tệp MP3.');
    if (!(file.type === 'audio/mpeg' || /\.mp3$/i.test(file.name))) return fieldProblem(form, 'recording', 'Chỉ nhận tệp MP3.');
    if (file.size > MAX_RECORDING) return fieldProblem(form, 'recording', 'Tệp lớn hơn 20 MB.');
    if (!file.size) return fieldProblem(form, 'recording', 'Tệp rỗng.');
    const base = `/bulletins/${encodeURIComponent(b.id)}`;
    try {
      await busy(button, 'Đang tải lên…', async () => {
        const ticket = await ctx.api.call('POST', `${base}/audio-upload`, { body: { version: b.version, size_bytes: file.size } });
        progress.hidden = false;
        await putRecording(ticket, file, (done) => (progress.textContent = `Đã tải lên ${Math.round(done * 100)}%`));
        progress.textContent = 'Đang kiểm tra tệp…';
        await ctx.api.call('POST', `${base}/audio`, { body: { version: b.version, key: ticket.key } });
      });
      await again('Đã dùng bản ghi âm; bản tin cần được duyệt lại.');
    } catch (error) {
      progress.hidden = true;
      if (error.status !== 401) showError(box, form, error);
    }
  });
  return form;
}

function revocation(ctx, b, box, again) {
  const button = h('button', { type: 'submit', class: 'btn btn-danger', text: 'Thu hồi bản tin' });
  const form = h(
    'form',
    { class: 'action-form', id: 'bd-revoke', novalidate: true },
    field('bd-reason', 'Lý do thu hồi', h('textarea', { id: 'bd-reason', name: 'reason', maxlength: 500, rows: 2 })),
    h('div', { class: 'actions' }, button),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearProblems(form, box);
    const { reason } = formValues(form);
    if (!reason || reason.length < 3) {
      fieldProblem(form, 'reason', 'Vui lòng nhập lý do (ít nhất 3 ký tự).');
      return;
    }
    try {
      await busy(button, 'Đang thu hồi…', () => ctx.api.call('POST', `/bulletins/${encodeURIComponent(b.id)}/revoke`, { body: { version: b.version, reason } }));
      await again('Đã thu hồi bản tin.');
    } catch (error) {
      if (error.status !== 401) showError(box, form, error);
    }
  });
  return form;
}

// ---------------------------------------------------------------- delivery report

async function delivery(ctx, b, alive) {
  const out = h('section', { class: 'card', id: 'bd-delivery', 'aria-labelledby': 'bd-delivery-title' });
  const draw = async () => {
    let report;
    try {
      report = await ctx.api.call('GET', `/bulletins/${encodeURIComponent(b.id)}/delivery`);
    } catch (error) {
      if (error.status === 401) return true;
      fill(out, h('h2', { id: 'bd-delivery-title', text: 'Báo cáo phát' }), h('p', { class: 'muted', text: error.message }));
      return false;
    }
    const s = report.summary || {};
    const count = (key, text) => h('li', { id: `dr-${key}` }, `${text}: `, h('strong', { text: s[key] ?? 0 }));
    fill(
      out,
      h('h2', { id: 'bd-delivery-title', text: 'Báo cáo phát' }),
      h(
        'p',
        { class: 'muted', id: 'dr-state' },
        report.complete ? 'Đã nhận đủ phản hồi của các loa.' : 'Đang chờ phản hồi của các loa (tự cập nhật)…',
        report.start_at ? ` Giờ bắt đầu: ${formatDateTime(report.start_at)}.` : '',
        report.start_spread_ms != null ? ` Độ lệch khởi phát: ${Math.round(report.start_spread_ms)} ms.` : '',
      ),
      h('ul', { class: 'counts' }, count('targeted', 'Số loa'), count('acked', 'Đã nhận lệnh'), count('played', 'Đã phát'), count('failed', 'Lỗi'), count('pending', 'Đang chờ')),
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          { id: 'dr-table' },
          h('thead', {}, h('tr', {}, ['Loa', 'Cụm', 'Xóm', 'Trạng thái', 'Nhận lệnh', 'Bắt đầu', 'Kết thúc', 'Lần gửi'].map((text) => h('th', { scope: 'col', text })))),
          h(
            'tbody',
            {},
            (report.speakers || []).map((sp) =>
              h(
                'tr',
                { dataset: { thing: sp.thing, state: sp.state } },
                h('td', { class: 'mono nowrap', text: sp.thing }),
                h('td', { class: 'nowrap', text: sp.cluster }),
                h('td', { class: 'nowrap', text: ctx.hamletNames.get(sp.hamlet_id) || sp.hamlet_id }),
                h('td', { title: sp.detail || null }, h('span', { class: ['badge', `dl-${sp.state}`], text: DELIVERY[sp.state] || sp.state })),
                [sp.acked_at, sp.started_at, sp.finished_at].map((at) => h('td', { class: 'nowrap', text: at ? formatDateTime(at) : '—' })),
                h('td', { class: 'num', text: sp.attempts }),
              ),
            ),
          ),
        ),
      ),
    );
    return report.complete;
  };
  const done = await draw();
  if (!done) {
    const timer = setInterval(async () => {
      if (!alive() || !out.isConnected) {
        clearInterval(timer);
        return;
      }
      if (await draw()) clearInterval(timer);
    }, REFRESH_MS);
  }
  return out;
}
