// The dashboard's system section: the platform's health in words an official reads (what each part does for the
// commune, and whether it works), and the loudspeakers' real state; refreshed every minute.
import { t } from '/shared/i18n.js';
import { $, apiClient, communeFromUrl, fill, formatDateTime, h, show } from '/shared/sc.js';

const api = apiClient({ storage: window.sessionStorage, tokenKey: 'sc.dashboard.token' });
const REFRESH_MS = 60_000;

// Each part the health check names (system.wiring, and the local stack's own parts) → what it means to an official.
const PARTS = {
  table: ['Kho dữ liệu của xã', 'Hồ sơ người dân, phản ánh, bản tin, nhật ký'],
  moto: ['Máy chủ dịch vụ', 'Nơi chạy kho dữ liệu, tệp và hàng đợi tin nhắn (bản chạy thử)'],
  web: ['Các trang của xã', 'Cổng công dân, trang quản trị, trung tâm điều hành'],
  triggers: ['Công việc tự động', 'Gửi tin nhắn SMS, phát bản tin theo lịch, kiểm tra nhật ký hằng đêm'],
  edge: ['Cổng truy cập', 'Lối vào các trang và dịch vụ của xã'],
  mqtt: ['Đường truyền tới loa', 'Gửi lệnh phát tới các cụm loa truyền thanh và nhận phản hồi'],
  snapshots: ['Sao lưu dữ liệu', 'Bản lưu định kỳ để khôi phục khi có sự cố'],
};
const STATE = { ok: 'Hoạt động tốt', down: 'Ngừng hoạt động' };

function checkItem(name, value) {
  const raw = typeof value === 'string' ? value : value && value.status ? value.status : JSON.stringify(value);
  const ok = raw === 'ok' || value === true;
  const [title, meaning] = PARTS[name] || [`Thành phần khác (${name})`, ''];
  return h(
    'li',
    { class: ok ? 'check-ok' : 'check-bad', dataset: { part: name } },
    h('span', { class: 'check-name' }, h('strong', { text: title }), meaning ? h('span', { class: 'hint', text: meaning }) : null),
    // The technical detail of a problem stays in the tooltip, for whoever fixes it.
    h('span', { class: ['badge', ok ? 'badge-ok' : 'badge-bad'], text: STATE[raw] || (ok ? STATE.ok : 'Có sự cố'), title: ok ? null : raw }),
  );
}

async function loadHealth() {
  const badge = $('#health-badge');
  try {
    const health = await api.call('GET', '/health');
    const ok = health.status === 'ok';
    badge.className = `badge ${ok ? 'badge-ok' : 'badge-bad'}`;
    fill(badge, t(ok ? 'health_ok' : 'health_bad'));
    fill($('#health-checks'), Object.entries(health.checks || {}).map(([name, value]) => checkItem(name, value)));
  } catch (error) {
    badge.className = 'badge badge-bad';
    fill(badge, t('health_unreachable'));
    fill($('#health-checks'), h('li', { class: 'check-bad', text: error.message }));
  }
  fill($('#health-time'), `Cập nhật lúc ${formatDateTime(new Date())}`);
}

/** The loudspeakers' tile: how many of the commune's speakers answer now (public counts, no details). */
async function loadSpeakers() {
  const state = $('#speakers-state');
  const detail = $('#speakers-detail');
  try {
    const s = await api.call('GET', `/communes/${encodeURIComponent(communeFromUrl())}/speakers/summary`);
    state.className = `badge ${s.total && s.online === s.total ? 'badge-ok' : 'badge-bad'}`;
    fill(state, s.total ? `${s.online}/${s.total} loa trực tuyến` : 'Chưa có loa');
    const offline = s.total - s.online;
    fill(
      detail,
      s.total
        ? [offline ? `${offline} loa mất kết nối. ` : 'Tất cả loa đang kết nối. ', s.playing ? `${s.playing} loa đang phát.` : 'Không có loa nào đang phát.']
        : 'Xã chưa đăng ký loa truyền thanh nào.',
    );
  } catch {
    state.className = 'badge badge-bad';
    fill(state, 'Chưa rõ tình trạng loa');
  }
}

const refresh = () => {
  loadHealth();
  loadSpeakers();
};

/** Check now, then every minute; the "check again" button checks at once. */
export function startHealth() {
  $('#health-refresh').addEventListener('click', refresh);
  show($('#health-refresh'), true);
  refresh();
  setInterval(refresh, REFRESH_MS);
}
