// Interface strings, Vietnamese first, English alongside (the citizen portal has a language switch).
// Static page text lives in the HTML (readable without JavaScript); this table holds what scripts write.

const STRINGS = {
  vi: {
    network: 'Không kết nối được máy chủ. Vui lòng kiểm tra mạng và thử lại.',
    unexpected: 'Đã có lỗi xảy ra (mã {status}). Vui lòng thử lại sau.',
    session_expired: 'Phiên đăng nhập đã hết hạn, vui lòng đăng nhập lại.',
    loading: 'Đang tải…',
    saving: 'Đang lưu…',
    sending: 'Đang gửi…',
    resend_in: 'Gửi lại mã sau {s} giây',
    resend: 'Gửi lại mã',
    otp_sent: 'Đã gửi mã xác thực đến số {phone}. Mã có hiệu lực trong {min} phút.',
    code_valid: 'Mã có hiệu lực trong {min} phút.',
    profile_saved: 'Đã lưu hồ sơ của bạn.',
    choose_hamlet: '— Chọn xóm —',
    all_hamlets: 'Tất cả các xóm',
    cccd_saved: 'Đã lưu: {masked}. Để trống nếu không thay đổi.',
    cccd_pending: 'Số CCCD {masked} đang chờ cán bộ xác minh.',
    date_invalid: 'Ngày phải theo dạng dd/mm/yyyy, ví dụ 05/09/1990.',
    reason_required: 'Vui lòng nhập lý do.',
    no_results: 'Không tìm thấy công dân nào phù hợp.',
    more: 'Xem thêm',
    lock: 'Khóa',
    unlock: 'Mở khóa',
    lock_title: 'Khóa tài khoản của {name}',
    unlock_title: 'Mở khóa tài khoản của {name}',
    locked_done: 'Đã khóa tài khoản của {name}.',
    unlocked_done: 'Đã mở khóa tài khoản của {name}.',
    created_done: 'Đã thêm công dân {name}.',
    verify_ok: 'Chuỗi nhật ký toàn vẹn: {n} bản ghi đã kiểm tra, bản ghi mới nhất số {head}.',
    verify_bad: 'Phát hiện bất thường trong chuỗi nhật ký ({n} bản ghi):',
    no_entries: 'Chưa có bản ghi nào.',
    no_sections: 'Vai trò của bạn chưa có chức năng nào trên trang quản trị này (sắp ra mắt).',
    health_ok: 'Hoạt động bình thường',
    health_bad: 'Có sự cố',
    health_unreachable: 'Không kết nối được API',
    hello: 'Xin chào, {name}',
    days_hours: '{d} ngày {h} giờ',
    hours: '{h} giờ',
    remaining: 'Còn {span}',
    overdue_by: 'Quá hạn {span}',
  },
  en: {
    network: 'Cannot reach the server. Please check the network and try again.',
    unexpected: 'Something went wrong (code {status}). Please try again later.',
    session_expired: 'Your session has expired; please sign in again.',
    loading: 'Loading…',
    saving: 'Saving…',
    sending: 'Sending…',
    resend_in: 'Resend the code in {s} s',
    resend: 'Resend the code',
    otp_sent: 'A code was sent to {phone}. It is valid for {min} minutes.',
    code_valid: 'The code is valid for {min} minutes.',
    profile_saved: 'Your profile is saved.',
    choose_hamlet: '— Choose a hamlet —',
    all_hamlets: 'All hamlets',
    cccd_saved: 'On file: {masked}. Leave empty to keep it.',
    cccd_pending: 'Citizen ID {masked} is waiting for commune staff to verify it.',
    date_invalid: 'Dates are dd/mm/yyyy, e.g. 05/09/1990.',
    reason_required: 'Please give a reason.',
    no_results: 'No citizen matches.',
    more: 'Show more',
    lock: 'Lock',
    unlock: 'Unlock',
    lock_title: 'Lock the account of {name}',
    unlock_title: 'Unlock the account of {name}',
    locked_done: 'The account of {name} is locked.',
    unlocked_done: 'The account of {name} is unlocked.',
    created_done: 'Citizen {name} added.',
    verify_ok: 'Audit chain intact: {n} entries checked, newest is number {head}.',
    verify_bad: 'Problems found in the audit chain ({n} entries):',
    no_entries: 'No entries yet.',
    no_sections: 'Your role has no section on this admin site yet (coming soon).',
    health_ok: 'Operating normally',
    health_bad: 'Problem detected',
    health_unreachable: 'Cannot reach the API',
    hello: 'Hello, {name}',
    days_hours: '{d} d {h} h',
    hours: '{h} h',
    remaining: '{span} left',
    overdue_by: 'Overdue by {span}',
  },
};

// Labels of values the API sends as codes.
const LABELS = {
  vi: {
    role: {
      citizen: 'Công dân',
      admin: 'Lãnh đạo / quản trị',
      office: 'Văn phòng - Thống kê',
      police: 'Công an xã',
      environment: 'Địa chính - Môi trường',
      infrastructure: 'Xây dựng - Giao thông - Thủy lợi',
      health: 'Trạm y tế',
      school: 'Trường học',
      culture: 'Văn hóa - Thông tin',
    },
    status: { active: 'Đang hoạt động', locked: 'Đã khóa', pending: 'Chờ xác nhận' },
    fb: {
      received: 'Đã tiếp nhận',
      assigned: 'Đã giao xử lý',
      in_progress: 'Đang xử lý',
      resolved: 'Đã có kết quả',
      approved: 'Đã duyệt kết quả',
      published: 'Đã công khai',
      rejected: 'Từ chối',
      duplicate: 'Trùng lặp',
    },
    action: {
      'citizen.create': 'Thêm công dân',
      'citizen.register': 'Công dân đăng ký',
      'citizen.update': 'Cập nhật hồ sơ',
      'citizen.profile': 'Cập nhật hồ sơ',
      'citizen.lock': 'Khóa tài khoản',
      'citizen.unlock': 'Mở khóa tài khoản',
      'citizen.import': 'Nhập danh sách công dân',
      'staff.create': 'Tạo tài khoản cán bộ',
      'staff.login': 'Cán bộ đăng nhập',
    },
  },
  en: {
    role: {
      citizen: 'Citizen',
      admin: 'Leadership / administration',
      office: 'Office - Statistics',
      police: 'Commune police',
      environment: 'Land - Environment',
      infrastructure: 'Construction - Transport - Irrigation',
      health: 'Health station',
      school: 'School',
      culture: 'Culture - Information',
    },
    status: { active: 'Active', locked: 'Locked', pending: 'Pending' },
    fb: {
      received: 'Received',
      assigned: 'Assigned',
      in_progress: 'In progress',
      resolved: 'Resolved',
      approved: 'Approved',
      published: 'Published',
      rejected: 'Rejected',
      duplicate: 'Duplicate',
    },
    action: {
      'citizen.create': 'Citizen added',
      'citizen.register': 'Citizen registered',
      'citizen.update': 'Profile updated',
      'citizen.profile': 'Profile updated',
      'citizen.lock': 'Account locked',
      'citizen.unlock': 'Account unlocked',
      'citizen.import': 'Citizens imported',
      'staff.create': 'Staff account created',
      'staff.login': 'Staff signed in',
    },
  },
};

let lang = 'vi';

export function setLanguage(code) {
  if (STRINGS[code]) lang = code;
}

export function language() {
  return lang;
}

/** The string `key` in the current language, with `{name}` placeholders filled from `vars`. */
export function t(key, vars = {}) {
  const template = STRINGS[lang][key] ?? STRINGS.vi[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (_, name) => (name in vars ? String(vars[name]) : `{${name}}`));
}

/** A readable label for an API code (`kind` is role, status, fb (feedback status) or action); unknown codes are shown as they are. */
export function label(kind, code) {
  return LABELS[lang][kind]?.[code] ?? LABELS.vi[kind]?.[code] ?? String(code ?? '');
}
