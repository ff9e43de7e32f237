// The health station's queue screen (the TV in the waiting room): the numbers being served and those waiting in
// this session, refreshed every 5 s from the public board (numbers only, never names).
import { $, apiClient, communeFromUrl, fill, formatDateTime, h, shortCommuneName } from '/shared/sc.js';

const api = apiClient({ storage: window.sessionStorage, tokenKey: 'sc.queue.token' });
const REFRESH_MS = 5000;
const communeId = communeFromUrl();

async function refresh() {
  try {
    const board = await api.call('GET', `/communes/${encodeURIComponent(communeId)}/health/queue`);
    fill($('#serving'), board.serving.length ? board.serving.join(' · ') : '—');
    fill($('#waiting'), board.waiting.map((n) => h('li', { text: n })));
    const part = board.session.endsWith('-am') ? 'Buổi sáng' : 'Buổi chiều';
    fill($('#session'), `${part} ${board.session.slice(8, 10)}/${board.session.slice(5, 7)}/${board.session.slice(0, 4)}`);
    fill($('#updated'), `Cập nhật lúc ${formatDateTime(board.updated_at)}`);
  } catch (error) {
    fill($('#updated'), error.message);
  }
}

async function start() {
  try {
    const commune = await api.call('GET', `/communes/${encodeURIComponent(communeId)}`);
    fill($('#commune-name'), shortCommuneName(commune.name));
  } catch {
    // The numbers matter more than the name.
  }
  await refresh();
  window.setInterval(refresh, REFRESH_MS);
}

start();
