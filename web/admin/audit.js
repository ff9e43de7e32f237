// The audit trail in plain Vietnamese, loaded on demand by admin.js: who did what to which record, with people's
// names (the staff list is the lookup), each entry's raw record (action code, target, before/after) one click away.
import { label, t } from '/shared/i18n.js';
import { busy, clearProblems, fill, formatDateTime, h, notify, showError } from '/shared/sc.js';

const PAGE = 50;
const names = new Map(); // staff id → display name
const FIELDS = {
  full_name: 'họ tên',
  phone: 'số điện thoại',
  cccd: 'CCCD',
  hamlet_id: 'xóm',
  address: 'địa chỉ',
  birth_date: 'ngày sinh',
  sms_updates: 'nhận tin nhắn',
};

const unit = (code) => (code ? label('role', code) : '');
const quote = (text) => (text ? `: «${text}»` : '');
const roles = (list) => (list || []).map(unit).join(', ');

/** What one entry says happened, as a sentence without its subject (the actor is in its own column). */
function said(entry) {
  const b = entry.before || {};
  const a = entry.after || {};
  const verb = entry.action.split('.')[1];
  const fb = {
    submit: `gửi phản ánh ${a.tracking_code || ''}`.trim(),
    assign: `giao phản ánh cho ${unit(a.unit)} xử lý`,
    transfer: `chuyển phản ánh từ ${unit(b.unit)} sang ${unit(a.unit)}`,
    start: 'bắt đầu xử lý phản ánh',
    progress: `ghi tiến độ xử lý phản ánh${quote(a.note)}`,
    resolve: `ghi kết quả xử lý phản ánh${quote(a.note)}`,
    approve: 'duyệt kết quả xử lý phản ánh',
    publish: 'công khai kết quả xử lý phản ánh',
    reject: `không tiếp nhận phản ánh${quote(a.note)}`,
    duplicate: `đánh dấu phản ánh trùng${quote(a.note)}`,
    comment: 'trả lời trong phản ánh',
    moderate: a.hidden ? 'ẩn một bình luận của phản ánh' : 'hiện lại một bình luận của phản ánh',
    field: `cập nhật lĩnh vực «${a.name || ''}» (${unit(a.unit)} xử lý, hạn ${a.deadline_hours || '?'} giờ)`,
  };
  const citizen = {
    create: `thêm công dân ${a.full_name || ''}`.trim(),
    lock: `khóa tài khoản công dân${quote(a.reason)}`,
    unlock: `mở khóa tài khoản công dân${quote(a.reason)}`,
    import: `nhập danh sách công dân (${a.created ?? 0} người)`,
    profile_update: `cập nhật hồ sơ công dân (${Object.keys(a).map((k) => FIELDS[k] || k).join(', ')})`,
    cccd_verify: 'xác minh số CCCD của công dân',
    cccd_reject: `từ chối số CCCD công dân khai${quote(a.reason)}`,
  };
  const staff = {
    create: `tạo tài khoản cán bộ ${a.display_name || a.username || ''} (${roles(a.roles)})`,
    lock: `khóa tài khoản cán bộ${quote(a.reason)}`,
    unlock: 'mở khóa tài khoản cán bộ',
    roles: `đổi vai trò cán bộ: ${roles(b.roles) || '—'} → ${roles(a.roles) || '—'}`,
    sign_out: 'đăng xuất cán bộ khỏi mọi thiết bị',
  };
  const bulletin = {
    draft: `soạn bản tin «${a.headline || ''}»`,
    edit: `sửa bản tin «${a.headline || b.headline || ''}»`,
    reschedule: 'đổi lịch phát bản tin',
    audio: 'thay âm thanh bản tin',
    approve: 'duyệt bản tin',
    revoke: `thu hồi bản tin${quote(a.reason)}`,
    air: 'phát bản tin theo lịch',
  };
  const speaker = {
    settings: `đổi âm lượng loa: ${b.volume ?? '?'} → ${a.volume ?? b.volume ?? '?'}` + (a.power ? `, nguồn: ${a.power}` : ''),
  };
  const by = { feedback: fb, citizen, staff, bulletin, speaker }[entry.action.split('.')[0]] || {};
  return by[verb] || inWords(entry.action);
}

// Capabilities added later (cameras, reports, the register, water, the website, the health station) say their
// actions with a verb and a noun; a new one reads as words even before it gets a sentence of its own.
const NOUN = {
  camera: 'camera', camera_event: 'sự kiện camera', report: 'báo cáo', indicator: 'số liệu chỉ tiêu',
  population: 'sổ hộ khẩu', water: 'chất lượng nước', appointment: 'lịch khám', health_record: 'hồ sơ sức khỏe',
  health_setup: 'lịch làm việc của trạm y tế', commune: 'xã', site: 'trang thông tin của xã', article: 'tin bài',
  official: 'danh bạ cán bộ', place: 'điểm OCOP, du lịch', fee: 'phí', invoice: 'hóa đơn', payment: 'khoản thu',
  receipt: 'biên lai', household: 'hộ gia đình', province: 'kết nối của tỉnh', merger: 'sáp nhập xã',
};
const VERB = {
  configure: 'cấu hình', acknowledge: 'xác nhận đã xem', draft_bulletin: 'soạn bản tin cảnh báo từ',
  to_feedback: 'tạo phản ánh từ', view_unblurred: 'xem ảnh gốc chưa làm mờ của', opened: 'mở', open: 'mở',
  filled: 'nhập số liệu', fill: 'nhập số liệu', submitted: 'trình', submit: 'trình', returned: 'trả lại',
  approved: 'duyệt', approve: 'duyệt', sent: 'gửi', send: 'gửi', corrected: 'đính chính', correct: 'đính chính',
  requested: 'nhận yêu cầu', entered: 'nhập', household_registered: 'đăng ký hộ vào', resident_added: 'thêm nhân khẩu vào',
  resident_moved_out: 'ghi chuyển đi trong', resident_deceased: 'ghi khai tử trong', warning_ack: 'xác nhận cảnh báo',
  book_for: 'đặt lịch hộ', add: 'ghi thêm vào', read: 'xem', put: 'cập nhật', merged_into: 'sáp nhập', merged_from:
  'tiếp nhận', hamlets_merged: 'sáp nhập xóm của', create: 'tạo', update: 'cập nhật', delete: 'xóa', publish: 'đăng',
  unpublish: 'gỡ', archive: 'lưu trữ', review: 'gửi duyệt', photo: 'cập nhật ảnh của', pay: 'ghi nhận', exempt: 'miễn giảm',
};

function inWords(action) {
  const [noun, verb = ''] = action.split('.');
  const words = (code) => code.replaceAll('_', ' ');
  return `${VERB[verb] || words(verb)} ${NOUN[noun] || words(noun)}`.trim();
}

/** The record acted on, as a link a person can follow (a name where the entry or the staff list has one). */
function what(entry, ctx) {
  const [kind, id] = entry.target.split('/');
  const a = entry.after || {};
  const b = entry.before || {};
  if (kind === 'feedback') return h('a', { href: `#/feedback/${id}`, text: a.tracking_code || 'Xem phản ánh' });
  if (kind === 'citizen') return h('a', { href: `#/citizens/${id}`, text: a.full_name || b.full_name || 'Xem công dân' });
  if (kind === 'staff') return h('a', { href: `#/staff/${id}`, text: names.get(id) || a.display_name || a.username || b.username || 'Xem cán bộ' });
  if (kind === 'bulletin') return h('a', { href: `#/broadcast/${id}`, text: 'Xem bản tin' });
  if (kind === 'speaker') return h('span', { text: `Loa ${id}` });
  if (kind === 'feedback_field') return null;
  if (kind === 'commune') return h('span', { text: ctx.commune.name });
  return h('span', { class: 'mono', text: entry.target });
}

function raw(entry) {
  const show = (value) => (value == null ? '∅' : JSON.stringify(value, null, 1));
  return h(
    'details',
    { class: 'raw' },
    h('summary', { text: 'Bản ghi gốc' }),
    h('dl', {}, [
      ['Hành động', entry.action],
      ['Đối tượng', entry.target],
      ['Người thực hiện', entry.actor_id],
      ['Trước', show(entry.before)],
      ['Sau', show(entry.after)],
    ].map(([term, value]) => [h('dt', { text: term }), h('dd', { class: 'mono', text: value })])),
  );
}

function row(entry, ctx) {
  const actor = entry.actor_id === 'system' ? 'Hệ thống' : names.get(entry.actor_id) || (entry.actor_role === 'citizen' ? 'Công dân' : 'Cán bộ');
  const target = what(entry, ctx);
  return h(
    'tr',
    { dataset: { seq: entry.seq } },
    h('td', { class: 'nowrap', 'data-label': '#', text: entry.seq }),
    h('td', { class: 'nowrap', 'data-label': 'Thời gian', text: formatDateTime(entry.at) }),
    h('td', { 'data-label': 'Người thực hiện' }, h('strong', { text: actor }), h('span', { class: 'hint', text: label('role', entry.actor_role) })),
    h('td', { 'data-label': 'Việc đã làm', class: 'said' }, said(entry), target ? [' — ', target] : null),
    h('td', { 'data-label': 'Chi tiết' }, raw(entry)),
  );
}

export async function render(section, ctx) {
  const box = h('div', { class: 'alert', hidden: true, id: 'audit-alert' });
  const verified = h('div', { class: 'alert', hidden: true, id: 'verify-result' });
  const verify = h('button', { type: 'button', class: 'btn', id: 'verify-button', text: 'Kiểm tra toàn vẹn' });
  const tbody = h('tbody');
  const empty = h('p', { class: 'muted', id: 'audit-empty', hidden: true, text: 'Chưa có bản ghi nào.' });
  const more = h('button', { type: 'button', class: 'btn btn-secondary', id: 'audit-more', hidden: true, text: 'Xem thêm' });
  const head = ['#', 'Thời gian', 'Người thực hiện', 'Việc đã làm', 'Chi tiết'];
  fill(
    section,
    h('div', { class: 'section-head' }, h('h1', { id: 'audit-title', text: 'Nhật ký hệ thống' }), verify),
    verified,
    box,
    h('div', { class: 'table-wrap' }, h('table', { id: 'audit-table', class: 'cards' }, h('thead', {}, h('tr', {}, head.map((text) => h('th', { scope: 'col', text })))), tbody)),
    empty,
    h('div', { class: 'actions more' }, more),
  );
  if (!names.size) {
    try {
      for (const staff of (await ctx.api.call('GET', '/staff')).items || []) names.set(staff.id, staff.display_name || staff.username);
    } catch {
      // Names are a convenience: without them an entry still says what was done, and its raw record who.
    }
  }
  let before = null;
  const load = async (reset) => {
    if (reset) before = null;
    try {
      const run = () => ctx.api.call('GET', '/audit', { query: { before_seq: before, limit: PAGE } });
      const page = reset ? await run() : await busy(more, t('loading'), run);
      if (reset) tbody.replaceChildren();
      clearProblems(null, box);
      for (const entry of page.entries || []) tbody.append(row(entry, ctx));
      before = page.next_before_seq || null;
      more.hidden = !before;
      empty.hidden = tbody.rows.length > 0;
    } catch (error) {
      if (error.status !== 401) showError(box, null, error);
    }
  };
  more.addEventListener('click', () => load(false));
  verify.addEventListener('click', async () => {
    try {
      const report = await busy(verify, t('loading'), () => ctx.api.call('GET', '/audit/verify'));
      if (report.ok) notify(verified, 'success', t('verify_ok', { n: report.entries, head: report.head_seq }));
      else notify(verified, 'error', h('span', { text: t('verify_bad', { n: report.entries }) }), h('ul', {}, (report.problems || []).map((p) => h('li', { text: p }))));
      await load(true);
    } catch (error) {
      if (error.status !== 401) showError(verified, null, error);
    }
  });
  await load(true);
}
