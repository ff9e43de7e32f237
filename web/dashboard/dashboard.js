// Operations dashboard (trung tâm điều hành): live tiles with drill-down, warnings by severity, the hamlet map, the
// criteria scorecard with each criterion's monthly history, forecasts from the population register and trend
// warnings; refreshed every minute. Signed-in leadership and office staff see the drill-down (GET /dashboard);
// the hall screen, signed in or not, shows the public projection: counts only (GET /communes/{id}/dashboard).
import { $, apiClient, busy, communeFromUrl, fill, formatDateTime, h, shortCommuneName, show, showError } from '/shared/sc.js';
import { drawChart } from '/dashboard/charts.js';

const api = apiClient({ storage: window.sessionStorage, tokenKey: 'sc.dashboard.token', onUnauthenticated: () => refresh() });
const REFRESH_MS = 60_000;
const communeId = communeFromUrl();
const tvWanted = new URLSearchParams(window.location.search).has('tv');
let selected = null; // the criterion whose history is shown
let last = null;

const number = (v) => (typeof v === 'number' ? v.toLocaleString('vi-VN', { maximumFractionDigits: 2 }) : v ?? '—');
const UNITS = { percent: '%', dat: '', count: '' };

function metric(m) {
  return h(
    'li',
    { class: ['ops-metric', `tone-${m.tone}`], dataset: { key: m.key } },
    h('span', { class: 'ops-value', text: `${number(m.value)}` }, m.unit ? h('small', { text: m.unit }) : null),
    h('span', { class: 'ops-label', text: m.label_vi }),
  );
}

function drillTable(d) {
  return h(
    'div',
    { class: 'ops-drill-table' },
    h('h4', { text: d.title_vi }),
    d.rows.length
      ? h(
          'div',
          { class: 'ops-table-wrap' },
          h(
            'table',
            { class: 'ops-table' },
            h('thead', {}, h('tr', {}, d.columns.map((c) => h('th', { text: c })))),
            h('tbody', {}, d.rows.map((row) => h('tr', {}, row.map((cell) => h('td', { text: number(cell) }))))),
          ),
        )
      : h('p', { class: 'muted', text: 'Chưa có số liệu.' }),
  );
}

function tile(t, staff) {
  const chart = t.series.length ? h('div', { class: 'ops-tile-chart' }) : null;
  const drill = staff && t.drill.length ? h('div', { class: 'ops-drill', hidden: true }, t.drill.map(drillTable)) : null;
  const toggle = drill
    ? h('button', {
        type: 'button',
        class: 'btn btn-secondary btn-small',
        text: 'Xem chi tiết',
        'aria-expanded': 'false',
        on: {
          click: (event) => {
            const open = drill.hidden;
            show(drill, open);
            event.target.setAttribute('aria-expanded', String(open));
            fill(event.target, open ? 'Thu gọn' : 'Xem chi tiết');
          },
        },
      })
    : null;
  const el = h(
    'li',
    { class: 'ops-tile card', id: `tile-${t.name}`, dataset: { tile: t.name } },
    h('h2', { text: t.title_vi }),
    t.metrics.length ? h('ul', { class: 'ops-metrics' }, t.metrics.map(metric)) : null,
    t.note_vi ? h('p', { class: 'muted', text: t.note_vi }) : null,
    chart ? h('p', { class: 'ops-chart-title', text: t.series[t.series.length > 1 ? 1 : 0].label_vi }) : null,
    chart,
    toggle,
    t.link && staff ? h('a', { href: t.link, class: 'ops-link', text: 'Mở trang quản trị' }) : null,
    drill,
  );
  return { el, chart, series: t.series[t.series.length > 1 ? 1 : 0] };
}

function renderTiles(payload) {
  const staff = payload.audience === 'staff';
  const built = payload.tiles.map((t) => tile(t, staff));
  fill($('#tiles'), built.map((b) => b.el));
  for (const b of built) if (b.chart) drawChart(b.chart, { labels: b.series.x, values: b.series.values, kind: b.series.kind, unit: b.series.unit ? ` ${b.series.unit}` : '' });
  fill($('#missing-tiles'), payload.missing_tiles.length ? `Chưa vận hành trên hệ thống này: ${payload.missing_tiles.join(', ')}.` : '');
}

function renderWarnings(board, staff) {
  fill(
    $('#warning-counts'),
    board.counts.map((c) =>
      h(
        'li',
        { class: ['ops-sev', `sev-${c.severity}`], dataset: { severity: c.severity } },
        h('span', { class: 'ops-value', text: String(c.count) }),
        h('span', { class: 'ops-label', text: c.label_vi }),
        h('small', { text: c.unacknowledged ? `${c.unacknowledged} chưa xác nhận` : 'đã xác nhận hết' }),
      ),
    ),
  );
  const categories = Object.entries(board.by_category).map(([k, v]) => `${k}: ${v}`).join(' · ');
  fill($('#warning-sources'), board.sources.length ? `${categories || 'Không có cảnh báo.'} Nguồn: ${board.sources.join(', ')}.` : 'Chưa có nguồn cảnh báo nào vận hành.');
  if (!staff) {
    fill($('#warning-list'), h('p', { class: 'muted', text: 'Chi tiết cảnh báo chỉ hiện cho cán bộ đã đăng nhập.' }));
    return;
  }
  fill(
    $('#warning-list'),
    board.items.length
      ? h(
          'ul',
          { class: 'ops-list' },
          board.items.map((w) =>
            h(
              'li',
              { class: `sev-${w.severity}` },
              h('strong', { text: w.title_vi }),
              ` — ${formatDateTime(w.raised_at)}`,
              h('br'),
              h('small', {
                text: w.acknowledged_at
                  ? `Đã xác nhận: ${w.acknowledged_by || 'cán bộ'} lúc ${formatDateTime(w.acknowledged_at)}${w.acknowledgement_note ? ` (${w.acknowledgement_note})` : ''}`
                  : 'Chưa ai xác nhận',
              }),
            ),
          ),
        )
      : h('p', { class: 'muted', text: 'Không có cảnh báo trong 7 ngày qua.' }),
  );
}

function valueText(row) {
  if (row.value === null || row.value === undefined) return 'Chưa có';
  if (row.unit === 'dat') return row.value >= 1 ? 'Có' : 'Chưa';
  return `${number(row.value)}${UNITS[row.unit] ?? ` ${row.unit}`}`;
}

function renderScorecard(card) {
  if (!card) {
    fill($('#scorecard-summary'), 'Bảng chỉ tiêu chưa vận hành trên hệ thống này.');
    fill($('#scorecard-table tbody'));
    return;
  }
  const [y, m] = (card.month || '').split('-');
  fill(
    $('#scorecard-summary'),
    h('strong', { text: `${card.met}/${card.total}` }),
    ` chỉ tiêu đạt, tháng ${m}/${y}`,
    card.as_of ? ` (tính lúc ${formatDateTime(card.as_of)}, cập nhật 10 phút một lần).` : '.',
  );
  fill(
    $('#scorecard-table tbody'),
    card.criteria.map((c) =>
      h(
        'tr',
        {
          dataset: { code: c.code },
          class: ['ops-criterion', c.code === selected ? 'is-selected' : null],
          tabindex: '0',
          on: { click: () => showHistory(c.code), keydown: (e) => (e.key === 'Enter' ? showHistory(c.code) : null) },
        },
        h('th', { scope: 'row', text: c.code }),
        h('td', { text: c.name_vi }),
        h('td', { text: c.target_text }),
        h('td', { class: 'ops-current', text: valueText(c) }),
        h('td', {}, h('span', { class: ['badge', c.met === true ? 'badge-ok' : c.met === false ? 'badge-bad' : ''], text: c.met === true ? 'Đạt' : c.met === false ? 'Chưa đạt' : 'Chưa rõ' })),
        h('td', { class: 'ops-source', text: c.source_detail_vi || c.source }),
      ),
    ),
  );
}

async function showHistory(code) {
  selected = code;
  for (const row of document.querySelectorAll('#scorecard-table tbody tr')) row.classList.toggle('is-selected', row.dataset.code === code);
  const staff = api.token && !document.body.classList.contains('tv');
  const path = staff ? `/dashboard/criteria/${encodeURIComponent(code)}/history` : `/communes/${encodeURIComponent(communeId)}/dashboard/criteria/${encodeURIComponent(code)}/history`;
  try {
    const history = await api.call('GET', path, { query: { months: 12 } });
    if (selected !== code) return; // another criterion was chosen meanwhile
    fill($('#history-title'), `Chỉ tiêu ${code}: ${history.name_vi} — 12 tháng gần nhất`);
    const labels = history.points.map((p) => p.month.split('-').reverse().join('/'));
    drawChart($('#history-chart'), { labels, values: history.points.map((p) => p.value), kind: 'line', unit: UNITS[history.unit] ?? '', tall: true });
    fill($('#history-note'), history.unit === 'dat' ? '1 = có (đạt), 0 = chưa có.' : 'Mỗi điểm là giá trị của tháng đó theo bảng chỉ tiêu lưu hằng tháng.');
  } catch (error) {
    fill($('#history-note'), error.message);
  }
}

function renderForecasts(f) {
  if (!f) return;
  fill(
    $('#school-table tbody'),
    f.school_entry.map((y) =>
      h('tr', { dataset: { year: String(y.year) } }, h('th', { scope: 'row', text: `${y.year}–${y.year + 1}` }), h('td', { text: number(y.children) }), h('td', { text: number(y.classes) }), h('td', { text: number(y.teachers) }), h('td', { text: y.source === 'register' ? 'Sổ dân cư' : 'Ước tính' })),
    ),
  );
  fill($('#school-method'), f.methods_vi.school_entry);
  drawChart($('#conscription-chart'), { labels: f.conscription.map((y) => `${y.year}${y.source === 'estimate' ? '*' : ''}`), values: f.conscription.map((y) => y.count), kind: 'bar', tall: true });
  fill($('#conscription-method'), `${f.methods_vi.conscription} (* ước tính)`);
  fill($('#elderly-total'), h('strong', { text: number(f.elderly.aged_60_plus) }), ' người từ 60 tuổi, trong đó ', h('strong', { text: number(f.elderly.aged_80_plus) }), ' người từ 80 tuổi.');
  const names = last?.hamlets || {};
  fill($('#elderly-hamlets'), Object.entries(f.elderly.by_hamlet).map(([id, n]) => h('li', { text: `${names[id] || (id === 'unknown' ? 'Chưa rõ xóm' : id)}: ${n} người` })));
  fill($('#elderly-method'), f.methods_vi.elderly);
}

function renderTrends(trends) {
  fill(
    $('#trend-list'),
    trends.length
      ? trends.map((w) => h('li', { class: 'ops-trend' }, h('strong', { text: `${w.label_vi} đang tăng${w.change_pct !== null ? ` (+${number(w.change_pct)}%)` : ''}` }), h('br'), h('small', { text: w.method_vi })))
      : h('li', { class: 'muted', text: 'Không có chỉ số nào tăng bất thường: so 30 ngày gần nhất với trung bình 3 kỳ 30 ngày trước đó (cảnh báo khi tăng từ 50% và thêm ít nhất 3).' }),
  );
}

async function load() {
  const tv = document.body.classList.contains('tv');
  const staff = Boolean(api.token) && !tv;
  const publicPath = `/communes/${encodeURIComponent(communeId)}/dashboard`;
  let payload;
  try {
    payload = await api.call('GET', staff ? '/dashboard' : publicPath);
  } catch (error) {
    if (!staff || error.status !== 403) throw error;
    payload = await api.call('GET', publicPath); // a role without the drill-down sees what the hall sees
  }
  last = payload;
  fill($('#commune-name'), shortCommuneName(payload.commune_name));
  fill($('#commune-place'), payload.commune_name);
  fill($('#footer-commune'), payload.commune_name);
  document.title = `Trung tâm điều hành ${payload.commune_name} — SmartCommune`;
  fill(
    $('#audience'),
    payload.audience === 'staff'
      ? `Cán bộ xem đầy đủ chi tiết. Cập nhật lúc ${formatDateTime(payload.generated_at)}.`
      : `Màn hình công khai: chỉ hiện số đếm, không có thông tin cá nhân. Cập nhật lúc ${formatDateTime(payload.generated_at)}.`,
  );
  renderTiles(payload);
  renderWarnings(payload.warnings, payload.audience === 'staff');
  renderScorecard(payload.scorecard);
  renderForecasts(payload.forecasts);
  renderTrends(payload.trends);
  const { drawMap } = await import('/dashboard/map.js'); // the map and the health checks load after the figures
  const note = await drawMap($('#hamlet-map'), communeId, payload.hamlets, payload.markers, $('#map-legend'));
  fill($('#map-note'), note);
  if (payload.scorecard && !selected && payload.scorecard.criteria.length) showHistory(payload.scorecard.criteria.find((c) => c.source === 'computed')?.code || payload.scorecard.criteria[0].code);
}

async function refresh() {
  const error = $('#load-error');
  try {
    await load();
    show(error, false);
  } catch (e) {
    fill(error, `Không tải được số liệu: ${e.message}`);
    show(error, true);
  }
  const signedIn = Boolean(api.token);
  show($('#signin-open'), !signedIn);
  show($('#signout'), signedIn);
}

function setTv(on) {
  document.body.classList.toggle('tv', on);
  $('#tv-toggle').setAttribute('aria-pressed', String(on));
  fill($('#tv-toggle'), on ? 'Thoát màn hình hội trường' : 'Màn hình hội trường');
}

function tick() {
  fill($('#clock'), new Intl.DateTimeFormat('vi-VN', { timeZone: 'Asia/Ho_Chi_Minh', hour: '2-digit', minute: '2-digit', day: '2-digit', month: '2-digit', year: 'numeric' }).format(new Date()));
}

$('#tv-toggle').addEventListener('click', () => {
  setTv(!document.body.classList.contains('tv'));
  refresh();
});
$('#signin-open').addEventListener('click', () => {
  show($('#signin'), true);
  $('#signin [name="username"]').focus();
});
$('#signout').addEventListener('click', async () => {
  try {
    await api.call('POST', '/auth/logout');
  } catch {
    /* the session is dropped here either way */
  }
  api.clearToken();
  refresh();
});
$('#signin').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = event.target;
  const username = form.username.value.trim();
  const password = form.password.value;
  try {
    const session = await busy($('#signin-button'), 'Đang đăng nhập…', () => api.call('POST', '/auth/staff/login', { body: { username, password } }));
    api.setToken(session.token);
    form.reset();
    show(form, false);
    setTv(false);
    await refresh();
  } catch (error) {
    showError($('#signin-box'), form, error);
  }
});

setTv(tvWanted);
tick();
setInterval(tick, 30_000);
refresh();
setInterval(refresh, REFRESH_MS);
import('/dashboard/health.js').then((health) => health.startHealth());
