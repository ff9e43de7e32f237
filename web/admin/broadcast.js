// Bulletins for the loudspeakers, the portal, SMS and CAP (loaded on demand by admin.js): the list, one bulletin with
// what can still be done with it — approval (two-person rule: never by its drafter; confirmed, saying what plays
// where), editing or cancelling a draft, revoking what is still to play — and the per-speaker delivery report; and
// the drafts waiting for the chairman's approval on his home page. The form is bulletin-form.js (loaded on demand).
import { busy, clearProblems, fieldProblem, fill, formatDate, formatDateTime, formValues, h, notify, showError } from '/shared/sc.js';
import { CATEGORY, DELIVERY, PRIORITY, WEEKDAYS, field, mayDraft, options, validityText } from '/admin/bulletin-labels.js';

// The list's filter is by stored status; a bulletin's badge says where it is in its life (its stage).
const STATUS = { draft: 'Chờ duyệt', approved: 'Đã duyệt', revoked: 'Đã thu hồi', cancelled: 'Đã hủy thông báo', discarded: 'Bản nháp đã hủy' };
const STAGE = {
  draft: 'Chờ duyệt',
  scheduled: 'Đã duyệt, chờ phát',
  published: 'Đã công bố',
  airing: 'Đang phát',
  aired: 'Đã phát',
  revoked: 'Đã thu hồi',
  cancelled: 'Đã hủy thông báo',
  discarded: 'Bản nháp đã hủy',
};
const STAGE_CLASS = {
  draft: 'fb-received',
  scheduled: 'badge-ok',
  published: 'badge-ok',
  airing: 'prio-priority',
  aired: 'badge-ok',
  revoked: 'badge-bad',
  cancelled: 'badge-bad',
  discarded: 'badge-bad',
};
const REFRESH_MS = 3000;

let generation = 0; // a newer render stops the previous one's refresh

const priorityBadge = (p) => h('span', { class: ['badge', `prio-${p}`], text: PRIORITY[p] || p });
const stageBadge = (s) => h('span', { class: ['badge', STAGE_CLASS[s]], text: STAGE[s] || s, dataset: { stage: s } });
const fact = (term, value) => [h('dt', { text: term }), h('dd', {}, value ?? '—')];
const path = (b, tail = '') => `/bulletins/${encodeURIComponent(b.id)}${tail}`;

/** `#/broadcast` → the list; `…/moi` → the draft form; `…/<id>` → one bulletin; `…/<id>/sua` → edit the draft. */
export async function render(section, ctx) {
  const mine = ++generation;
  const alive = () => mine === generation && section.isConnected && !section.hidden;
  const [arg, sub] = String(ctx.arg || '').split('/');
  if (arg === 'moi' || sub === 'sua') {
    const form = await import('/admin/bulletin-form.js');
    const b = arg === 'moi' ? null : await ctx.api.call('GET', path({ id: decodeURIComponent(arg) }));
    if (b && b.status !== 'draft') window.location.hash = `#/broadcast/${encodeURIComponent(b.id)}`;
    else await form.draftForm(section, ctx, b);
  } else if (arg) await detail(section, ctx, decodeURIComponent(arg), alive);
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
            h('td', {}, stageBadge(b.stage || b.status)),
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

// ---------------------------------------------------------------- the chairman's home page

/** On the approver's home page: the drafts waiting for them (not their own: someone else must approve those). */
export async function pending(api, me) {
  const home = document.getElementById('home');
  if (!home) return;
  let out = document.getElementById('home-pending');
  if (!out) {
    out = h('section', { class: 'card', id: 'home-pending', 'aria-labelledby': 'home-pending-title' });
    home.insertBefore(out, document.getElementById('home-sections'));
  }
  let drafts;
  try {
    drafts = ((await api.call('GET', '/bulletins', { query: { status: 'draft', limit: 100 } })).items || []).filter(
      (b) => b.created_by !== me.id && b.edited_by !== me.id,
    );
  } catch {
    out.hidden = true;
    return;
  }
  out.hidden = false;
  fill(
    out,
    h('h2', { id: 'home-pending-title' }, 'Bản tin chờ bạn duyệt ', h('span', { class: ['badge', drafts.length ? 'prio-priority' : 'badge-ok'], text: String(drafts.length) })),
    drafts.length
      ? h(
          'ul',
          { class: 'changes' },
          drafts.map((b) =>
            h(
              'li',
              { dataset: { id: b.id } },
              priorityBadge(b.priority),
              ' ',
              h('a', { href: `#/broadcast/${encodeURIComponent(b.id)}`, text: b.headline }),
              h('span', { class: 'muted', text: ` — ${b.created_by_name}, ${formatDateTime(b.created_at)}` }),
            ),
          ),
        )
      : h('p', { class: 'muted', text: 'Không có bản tin nào đang chờ bạn duyệt.' }),
  );
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

/** When the public alert stops being in force (it counts from its first publication), or null if never published. */
function alertExpiry(b) {
  const first = b.messages?.[0]?.sent;
  return first ? new Date(new Date(first).getTime() + b.valid_hours * 3600 * 1000) : null;
}

/** "40 loa của cả xã", "4 loa ở Xóm 1, Xóm 2" …: what the approval will reach (speakers counted when they can be). */
async function reach(ctx, b) {
  const t = b.target || {};
  let speakers = null;
  try {
    if (ctx.can('devices')) speakers = (await ctx.api.call('GET', '/devices/speakers')).items || [];
  } catch {
    speakers = null;
  }
  const count = (keep) => (speakers ? `${speakers.filter(keep).length} loa` : 'các loa');
  if (t.scope === 'hamlets') return `${count((s) => t.hamlets.includes(s.hamlet_id))} ở ${targetText(b, ctx)}`;
  if (t.scope === 'clusters') return `${count((s) => t.clusters.includes(s.cluster_id))} của cụm ${t.clusters.join(', ')}`;
  return `${speakers ? `${speakers.length} loa` : 'tất cả loa'} của cả xã`;
}

/** A modal question; resolves true when `yes` is chosen (Esc and "Thôi" resolve false). */
function ask(section, title, lines, yes) {
  return new Promise((resolve) => {
    const ok = h('button', { type: 'button', class: 'btn', text: yes });
    const no = h('button', { type: 'button', class: 'btn btn-secondary', text: 'Thôi' });
    const dialog = h(
      'dialog',
      { id: 'bd-confirm', 'aria-labelledby': 'bd-confirm-title' },
      h('h2', { id: 'bd-confirm-title', text: title }),
      lines.map((line, i) => h('p', { id: i ? null : 'bd-confirm-text', class: i ? 'muted' : null, text: line })),
      h('div', { class: 'actions' }, ok, no),
    );
    const done = (answer) => {
      dialog.close();
      dialog.remove();
      resolve(answer);
    };
    ok.addEventListener('click', () => done(true));
    no.addEventListener('click', () => done(false));
    dialog.addEventListener('cancel', (event) => {
      event.preventDefault();
      done(false);
    });
    section.append(dialog);
    dialog.showModal();
    no.focus();
  });
}

async function confirmApproval(section, ctx, b) {
  const what = `bản tin ${b.priority === 'emergency' ? 'khẩn cấp' : b.priority === 'priority' ? 'ưu tiên' : ''}`.trim();
  const when = b.schedule?.kind === 'now' ? 'ngay bây giờ' : scheduleText(b.schedule).toLowerCase();
  const question = b.channels?.speakers
    ? `Phát ${what} «${b.headline}» ${when} tới ${await reach(ctx, b)}?`
    : `Công bố ${what} «${b.headline}» (không phát trên loa)?`;
  const also = [b.channels?.portal && 'đăng lên cổng thông tin', b.channels?.sms && 'nhắn SMS cho người dân đã đăng ký', b.channels?.cap && 'đưa vào nguồn tin cảnh báo CAP'].filter(Boolean);
  const lines = [question, also.length ? `Bản tin cũng được ${also.join(', ')}; thông báo còn hiệu lực ${validityText(b.valid_hours)}.` : ''];
  return ask(section, 'Xác nhận duyệt và phát', lines.filter(Boolean), b.schedule?.kind === 'now' && b.channels?.speakers ? 'Duyệt và phát ngay' : 'Duyệt');
}

async function detail(section, ctx, id, alive, message) {
  const b = await ctx.api.call('GET', path({ id }));
  const again = (text) => detail(section, ctx, id, alive, text);
  const stage = b.stage || b.status;
  const box = h('div', { class: 'alert', hidden: true, id: 'bd-action-alert', tabindex: '-1' });
  const ownWork = ctx.me.id === b.created_by || ctx.me.id === b.edited_by;
  const writer = mayDraft(ctx.me.roles, b.category);
  const badge = stageBadge(stage);
  const expiry = alertExpiry(b);
  const alertLive = b.status === 'approved' && expiry && expiry > new Date();
  const actions = h('div', { class: 'actions', id: 'bd-actions' });
  const act = async (button, busyText, task, done) => {
    try {
      await busy(button, busyText, task);
      await again(done);
    } catch (error) {
      if (error.status !== 401) showError(box, null, error);
    }
  };
  if (stage === 'draft' && ctx.can('approveBulletin') && !ownWork) {
    const approve = h('button', { type: 'button', class: 'btn', id: 'bd-approve', text: 'Duyệt và phát' });
    approve.addEventListener('click', async () => {
      if (!(await confirmApproval(section, ctx, b))) return;
      await act(approve, 'Đang duyệt…', () => ctx.api.call('POST', path(b, '/approve'), { body: { version: b.version } }), 'Đã duyệt: bản tin được công bố và phát theo lịch.');
    });
    actions.append(approve);
  }
  if (stage === 'draft' && writer) {
    actions.append(h('a', { class: 'btn btn-secondary', id: 'bd-edit', href: `#/broadcast/${encodeURIComponent(b.id)}/sua`, text: 'Sửa bản nháp' }));
    const discard = h('button', { type: 'button', class: 'btn btn-danger', id: 'bd-discard', text: 'Hủy bản nháp' });
    discard.addEventListener('click', async () => {
      const sure = await ask(section, 'Hủy bản nháp', [`Hủy bản nháp «${b.headline}»? Bản tin sẽ không được duyệt, không phát và không công bố.`], 'Hủy bản nháp');
      if (sure) await act(discard, 'Đang hủy…', () => ctx.api.call('POST', path(b, '/discard'), { body: { version: b.version } }), 'Đã hủy bản nháp.');
    });
    actions.append(discard);
  }
  // Revoking is for what is still to come: plays scheduled, or a public alert still in force.
  const revocable = (ctx.can('approveBulletin') || writer) && (stage === 'scheduled' || ((stage === 'published' || stage === 'aired') && alertLive));
  const revokeForm = revocable ? revocation(ctx, b, box, again, stage === 'scheduled' ? null : 'Hủy thông báo đã công bố') : null;
  const played = b.plays ? `${b.plays} (lần gần nhất ${formatDateTime(b.last_played_at)})` : '0';
  let closing = null;
  if (stage === 'aired' && !revocable) closing = 'Bản tin đã phát xong, không còn lịch phát nào.';
  else if (stage === 'aired') closing = 'Bản tin đã phát xong trên loa; thông báo vẫn còn hiệu lực trên cổng thông tin, có thể hủy bên dưới.';
  else if (['revoked', 'cancelled', 'discarded'].includes(stage) || (stage === 'published' && !revocable)) closing = 'Bản tin đã kết thúc, không còn thao tác nào.';
  fill(
    section,
    h('p', {}, h('a', { href: '#/broadcast', text: '← Danh sách bản tin' })),
    h(
      'article',
      { class: ['card', b.priority === 'emergency' && 'is-emergency'], id: 'bd-detail' },
      h('h1', { text: b.headline }),
      h('p', {}, priorityBadge(b.priority), ' ', badge),
      h(
        'dl',
        { class: 'facts' },
        fact('Lĩnh vực', `${CATEGORY[b.category] || b.category} — ${b.event}`),
        fact('Phạm vi', targetText(b, ctx)),
        fact('Lịch phát', scheduleText(b.schedule)),
        fact('Âm lượng, lặp lại', `${b.volume} — ${b.repeat} lần`),
        fact('Hiệu lực thông báo', expiry ? `${validityText(b.valid_hours)}, đến ${formatDateTime(expiry)}` : validityText(b.valid_hours)),
        fact('Người soạn', `${b.created_by_name}, ${formatDateTime(b.created_at)}`),
        fact('Người duyệt', b.approval ? `${b.approval.approver_name}, ${formatDateTime(b.approval.approved_at)}` : 'Chưa duyệt'),
        fact('Lần phát tới', b.next_play_at ? formatDateTime(b.next_play_at) : stage === 'aired' ? 'Không còn lịch phát' : '—'),
        fact('Số lần đã phát', played),
        b.revoked_reason ? fact(stage === 'discarded' ? 'Lý do hủy' : 'Lý do thu hồi', b.revoked_reason) : null,
      ),
      b.audio_url ? player(b) : null,
      h('p', { class: 'fb-text', text: b.text }),
      b.instruction ? h('p', { class: 'fb-text' }, h('strong', { text: 'Hướng dẫn: ' }), b.instruction) : null,
    ),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'bd-actions-title' },
      h('h2', { id: 'bd-actions-title', text: 'Xử lý' }),
      box,
      stage === 'draft' && ownWork ? h('p', { class: 'muted', text: 'Bản tin do bạn soạn phải được một người khác (lãnh đạo) duyệt.' }) : null,
      actions,
      stage === 'draft' && writer ? recording(ctx, b, box, again) : null,
      closing ? h('p', { class: 'muted', id: 'bd-closing', text: closing }) : null,
      revokeForm,
    ),
    b.plays || b.status === 'approved' ? await delivery(ctx, b, alive, (report) => stage === 'aired' && b.plays && liveBadge(badge, report.complete ? 'aired' : 'airing')) : null,
  );
  if (message) {
    notify(box, 'success', message);
    box.focus();
  }
}

/** While the speakers are still answering, an aired bulletin reads "Đang phát"; then "Đã phát". */
function liveBadge(badge, stage) {
  badge.className = `badge ${STAGE_CLASS[stage]}`;
  badge.textContent = STAGE[stage];
  badge.dataset.stage = stage;
}

/** The bulletin's audio, played from the site itself (`/media/…`: the page's security policy allows nothing else),
 * below the facts and as wide as the card (the shared `.btn-block` rule) so the player fits a 360-px phone. */
function player(b) {
  return h(
    'div',
    { class: 'audio field' },
    h('p', {}, h('strong', { text: b.audio?.source === 'upload' ? 'Bản ghi âm' : 'Bản đọc' }), ' — ', h('a', { href: b.audio_url, target: '_blank', rel: 'noopener', text: 'Tải MP3' })),
    h('audio', { controls: true, preload: 'none', src: b.audio_url, id: 'bd-audio', class: 'btn-block' }),
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

function revocation(ctx, b, box, again, label = null) {
  const button = h('button', { type: 'submit', class: 'btn btn-danger', text: label || 'Thu hồi bản tin' });
  const form = h(
    'form',
    { class: 'action-form', id: 'bd-revoke', novalidate: true },
    field('bd-reason', label ? 'Lý do hủy thông báo' : 'Lý do thu hồi', h('textarea', { id: 'bd-reason', name: 'reason', maxlength: 500, rows: 2 })),
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
      await busy(button, 'Đang thu hồi…', () => ctx.api.call('POST', path(b, '/revoke'), { body: { version: b.version, reason } }));
      await again(label ? 'Đã hủy thông báo.' : 'Đã thu hồi bản tin.');
    } catch (error) {
      if (error.status !== 401) showError(box, form, error);
    }
  });
  return form;
}

// ---------------------------------------------------------------- delivery report

async function delivery(ctx, b, alive, onReport = () => {}) {
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
    onReport(report);
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
