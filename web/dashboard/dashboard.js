// Operations dashboard placeholder: the commune's name and the platform's health, live.
import { t } from '/shared/i18n.js';
import { $, apiClient, communeFromUrl, fill, formatDateTime, h, shortCommuneName, show } from '/shared/sc.js';

const api = apiClient({ storage: window.sessionStorage, tokenKey: 'sc.dashboard.token' });
const REFRESH_MS = 60_000;

async function loadCommune() {
  try {
    const commune = await api.call('GET', `/communes/${encodeURIComponent(communeFromUrl())}`);
    fill($('#commune-name'), shortCommuneName(commune.name));
    fill($('#commune-place'), [commune.name, commune.district, commune.province].filter(Boolean).join(', '));
    fill($('#footer-commune'), commune.name);
    document.title = `Trung tâm điều hành ${commune.name} — SmartCommune`;
  } catch (error) {
    fill($('#commune-place'), error.message);
  }
}

function checkItem(name, value) {
  const ok = value === 'ok' || value === true || (value && value.status === 'ok');
  const text = typeof value === 'string' ? value : value && value.status ? value.status : JSON.stringify(value);
  return h(
    'li',
    { class: ok ? 'check-ok' : 'check-bad' },
    h('span', { class: 'check-name', text: name }),
    h('span', { class: ['badge', ok ? 'badge-ok' : 'badge-bad'], text }),
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

$('#health-refresh').addEventListener('click', loadHealth);
show($('#health-refresh'), true);
loadCommune();
loadHealth();
setInterval(loadHealth, REFRESH_MS);
