// Words and small form helpers shared by the bulletin and loudspeaker views (broadcast.js, bulletin-form.js and
// devices.js, all loaded on demand).
import { h } from '/shared/sc.js';

export const PRIORITY = { normal: 'Thường', priority: 'Ưu tiên', emergency: 'Khẩn cấp' };
export const CATEGORY = {
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
/** A play command's state on one speaker (devices.contracts.DeliveryState), as an official reads it. */
export const DELIVERY = {
  pending: 'Chờ gửi',
  sent: 'Đã gửi lệnh',
  received: 'Đã nhận lệnh',
  started: 'Đang phát',
  finished: 'Đã phát',
  failed: 'Lỗi',
  expired: 'Hết hạn',
};
export const WEEKDAYS = ['T2', 'T3', 'T4', 'T5', 'T6', 'T7', 'CN'];
/** How long the public alert (portal, CAP) stays in force, in hours → what an official reads. */
export const VALIDITY = { 6: '6 giờ', 12: '12 giờ', 24: '1 ngày', 48: '2 ngày', 72: '3 ngày', 120: '5 ngày', 168: '7 ngày', 336: '14 ngày', 720: '30 ngày' };

// The departments that draft only in their own field (layers/smartcommune/broadcast/logic/rules.py, DOMAIN_CATEGORIES).
const DOMAIN = { police: ['Security', 'Safety', 'Rescue', 'Fire', 'Transport'], health: ['Health'] };
const GENERAL = ['admin', 'office', 'culture'];

/** Whether someone with `roles` may write (edit, cancel) a bulletin of `category`. */
export const mayDraft = (roles, category) => roles.some((r) => GENERAL.includes(r) || (DOMAIN[r] || []).includes(category));

export const validityText = (hours) => VALIDITY[hours] || (hours % 24 ? `${hours} giờ` : `${hours / 24} ngày`);
export const field = (id, text, control) => h('div', { class: 'field' }, h('label', { for: id, text }), control);
export const options = (map, chosen) =>
  Object.entries(map).map(([value, text]) => h('option', { value, text, selected: String(value) === String(chosen) }));
export const checks = (name, items, prefix, chosen = []) =>
  items.map(([value, text], i) =>
    h(
      'span',
      { class: 'check' },
      h('input', { type: 'checkbox', id: `${prefix}-${i}`, name, value, checked: chosen.map(String).includes(String(value)) }),
      h('label', { for: `${prefix}-${i}`, text }),
    ),
  );
