// Staff admin site: sign in, then the sections the account's roles allow (feedback, statistics, citizens, audit).
// Feedback, statistics, broadcast, loudspeaker, staff, CCCD, health, fees, reports, website, facilities and audit views are modules loaded on demand (LAZY) to keep the first load small.
import { label, t } from '/shared/i18n.js';
import {
  $,
  $$,
  apiClient,
  busy,
  clearProblems,
  fieldProblem,
  fill,
  formValues,
  h,
  notify,
  parseDateVn,
  setOptions,
  shortCommuneName,
  show,
  showError,
} from '/shared/sc.js';

// Who may use what; the API enforces the same rules, the page only avoids offering what would be refused.
const ALL_STAFF = ['admin', 'office', 'police', 'environment', 'infrastructure', 'health', 'school', 'culture'];
const ACCESS = {
  feedback: ALL_STAFF,
  stats: ALL_STAFF,
  citizens: ['admin', 'office', 'police'],
  citizen: ['admin', 'office', 'police'],
  createCitizen: ['admin', 'office'],
  lockCitizen: ['admin', 'office'],
  audit: ['admin'],
  broadcast: ['admin', 'office', 'culture', 'police', 'health'],
  approveBulletin: ['admin'],
  devices: ['admin', 'culture'],
  cameras: ['admin', 'police'],
  staff: ['admin'],
  cccd: ['admin', 'office', 'police'],
  health: ['health'],
  fees: ['admin', 'office'],
  reports: ['admin', 'office'],
  site: ['admin', 'office', 'culture'],
  facilities: ['admin', 'culture', 'school'],
};
const SECTIONS = [
  { view: 'feedback', title: 'Phản ánh, kiến nghị', text: 'Tiếp nhận, giao xử lý, theo dõi hạn, duyệt và công khai.' },
  { view: 'stats', title: 'Thống kê phản ánh', text: 'Theo lĩnh vực, đơn vị, xóm; tỉ lệ đúng hạn; mức hài lòng.' },
  { view: 'citizens', title: 'Công dân', text: 'Tra cứu, thêm mới, khóa và mở khóa tài khoản công dân.' },
  { view: 'audit', title: 'Nhật ký hệ thống', text: 'Mọi thay đổi của cán bộ, có kiểm tra toàn vẹn.' },
  { view: 'broadcast', title: 'Truyền thanh', text: 'Soạn, duyệt, thu hồi bản tin; báo cáo phát trên từng loa.' },
  { view: 'devices', title: 'Loa truyền thanh', text: 'Trạng thái trực tuyến và âm lượng của các loa.' },
  { view: 'cameras', title: 'Camera an ninh', text: 'Tình trạng camera; sự kiện: xác nhận, tạo phản ánh, soạn cảnh báo.' },
  { view: 'staff', title: 'Cán bộ', text: 'Tài khoản cán bộ: khóa, mở khóa, vai trò, đăng xuất.' },
  { view: 'health', title: 'Trạm y tế', text: 'Hàng đợi hôm nay: đón, gọi số, vắng mặt; đặt lịch hộ; thống kê.' },
  { view: 'fees', title: 'Phí, lệ phí', text: 'Nợ phí theo xóm; thu tiền mặt, biên lai; khoản chuyển chờ xử lý.' },
  { view: 'reports', title: 'Báo cáo', text: 'Báo cáo tiêu chí gửi huyện, tỉnh: nhập số liệu, trình, duyệt, ký số.' },
  { view: 'site', title: 'Trang thông tin điện tử', text: 'Tin bài (viết, duyệt, đăng), danh bạ cán bộ, sản phẩm OCOP, điểm du lịch.' },
  { view: 'facilities', title: 'Wifi công cộng, trường học', text: 'Điểm wifi miễn phí (tình trạng hoạt động); số liệu năm học của các trường.' },
];
// Views drawn by modules loaded on demand (literal import()s, so the page-size checks follow them).
const LAZY = {
  feedback: () => import('/admin/feedback.js'),
  stats: () => import('/admin/stats.js'),
  broadcast: () => import('/admin/broadcast.js'),
  devices: () => import('/admin/devices.js'),
  cameras: () => import('/admin/cameras.js'),
  staff: () => import('/admin/staff.js'),
  cccd: () => import('/admin/cccd.js'),
  audit: () => import('/admin/audit.js'),
  citizen: () => import('/admin/citizen.js'),
  health: () => import('/admin/health.js'),
  fees: () => import('/admin/fees.js'),
  reports: () => import('/admin/reports.js'),
  site: () => import('/admin/site.js'),
  facilities: () => import('/admin/facilities.js'),
};
const VIEWS = ['citizens', ...Object.keys(LAZY)];
const PAGE_SIZE = 20;

// The token lives in sessionStorage: closing the browser on a shared office computer signs the staff out.
const api = apiClient({
  storage: window.sessionStorage,
  tokenKey: 'sc.admin.token',
  onUnauthenticated: () => showSignIn(t('session_expired')),
});

let me = null;
let commune = null;
const hamletNames = new Map();
const citizenState = { cursor: null, loaded: false };

const can = (what) => Boolean(me && me.roles.some((role) => ACCESS[what].includes(role)));

// ---------------------------------------------------------------- sign-in and layout

function showSignIn(message) {
  me = null;
  citizenState.loaded = false;
  for (const id of ['home', ...VIEWS, 'nav', 'user-box']) show($(`#${id}`), false);
  for (const id of Object.keys(LAZY)) $(`#${id}`).replaceChildren();
  // A shared office computer must not keep the previous user's data on the page.
  $('#citizens-table tbody').replaceChildren();
  for (const box of ['#citizens-alert', '#page-alert']) clearProblems(null, $(box));
  show($('#signin'), true);
  const form = $('#signin-form');
  clearProblems(form, $('#signin-alert'));
  form.elements.password.value = '';
  if (message) notify($('#signin-alert'), 'info', message);
  $('#username').focus();
}

async function signIn() {
  const form = $('#signin-form');
  const box = $('#signin-alert');
  clearProblems(form, box);
  const { username, password } = formValues(form);
  if (!username) fieldProblem(form, 'username', 'Vui lòng nhập tên đăng nhập.');
  if (!password) fieldProblem(form, 'password', 'Vui lòng nhập mật khẩu.');
  if (!username || !password) return;
  try {
    const session = await busy($('#signin-button'), t('loading'), () =>
      api.call('POST', '/auth/staff/login', { body: { username, password } }),
    );
    api.setToken(session.token);
    form.reset();
    await enter();
  } catch (error) {
    showError(box, form, error);
  }
}

async function signOut() {
  try {
    await api.call('POST', '/auth/logout');
  } catch {
    // The local token is dropped whatever the server says.
  }
  api.clearToken();
  window.location.hash = '#/';
  showSignIn();
}

async function enter() {
  me = await api.call('GET', '/me');
  me.roles = Array.isArray(me.roles) ? me.roles : [];
  if (!commune || commune.id !== me.commune_id) {
    commune = await api.call('GET', `/communes/${encodeURIComponent(me.commune_id)}`);
    hamletNames.clear();
    for (const hamlet of commune.hamlets || []) hamletNames.set(hamlet.id, hamlet.name);
    const hamlets = (commune.hamlets || []).map((hamlet) => ({ value: hamlet.id, label: hamlet.name }));
    setOptions($('#f-hamlet_id'), hamlets, 1);
    setOptions($('#nc-hamlet_id'), hamlets, 1);
  }
  fill($('#commune-name'), shortCommuneName(commune.name));
  document.title = `Quản trị ${commune.name} — SmartCommune`;
  // The role once: demo names already say it ("Vũ Thị Hương (Văn phòng - Thống kê)"); the others follow the name.
  const name = me.display_name || me.username;
  const roles = me.roles.map((role) => label('role', role)).filter((role) => !name.includes(role));
  fill($('#user-name'), name);
  fill($('#user-role'), roles.length ? ` · ${roles.join(', ')}` : '');
  show($('#user-box'), true);
  show($('#signin'), false);
  show($('#nav'), true);
  for (const link of $$('a[data-view]')) show(link, link.dataset.view === 'home' || can(link.dataset.view));
  show($('#new-citizen-toggle'), can('createCitizen'));
  renderHome();
  route();
}

function renderHome() {
  fill($('#home-title'), t('hello', { name: (me.display_name || me.username).replace(/ \(.*\)$/, '') }));
  const allowed = SECTIONS.filter((section) => can(section.view));
  fill(
    $('#home-sections'),
    allowed.length
      ? allowed.map((section) =>
          h('li', { class: 'tile' }, h('h3', {}, h('a', { href: `#/${section.view}`, text: section.title })), h('p', { text: section.text })),
        )
      : h('li', { class: 'tile' }, h('p', { text: t('no_sections') })),
  );
}

function route() {
  if (!me) return;
  const [asked, ...rest] = (window.location.hash.replace(/^#\/?/, '') || 'home').split('/');
  const wanted = asked === 'citizens' && rest.length ? 'citizen' : asked; // #/citizens/<id>: one citizen's page
  const view = VIEWS.includes(wanted) ? wanted : 'home';
  const allowed = view === 'home' || can(view) ? view : 'home';
  for (const id of ['home', ...VIEWS]) show($(`#${id}`), id === allowed);
  for (const link of $$('#nav a')) {
    if (link.dataset.view === (allowed === 'citizen' ? 'citizens' : allowed)) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  if (allowed === 'citizens' && !citizenState.loaded) loadCitizens(true);
  if (LAZY[allowed]) lazyView(allowed, rest.join('/'));
  if (allowed === 'home' && can('approveBulletin')) LAZY.broadcast().then((m) => m.pending(api, me));
}

async function lazyView(view, arg) {
  const section = $(`#${view}`);
  fill(section, h('p', { class: 'muted', text: t('loading') }));
  try {
    const module = await LAZY[view]();
    await module.render(section, { api, me, commune, hamletNames, arg, can });
  } catch (error) {
    if (error.status === 401) return;
    fill(section, h('div', { class: 'alert alert-error', role: 'alert', text: error.message || t('network') }));
  }
}

// ---------------------------------------------------------------- citizens

function statusBadge(status) {
  return h('span', { class: ['badge', `badge-${status}`], text: label('status', status) });
}

function citizenRow(citizen) {
  // Locking lives on the citizen's page, behind a confirmation: no red button on every row.
  return h(
    'tr',
    { dataset: { id: citizen.id } },
    h('td', { 'data-label': 'Họ và tên' }, h('a', { href: `#/citizens/${encodeURIComponent(citizen.id)}` }, h('strong', { text: citizen.full_name || '—' }))),
    h('td', { class: 'mono nowrap', 'data-label': 'Điện thoại', text: citizen.phone_masked || '' }),
    h(
      'td',
      { class: 'mono nowrap', 'data-label': 'CCCD' },
      citizen.cccd_masked || '',
      citizen.cccd_pending ? h('a', { class: 'badge', href: `#/cccd/${citizen.id}`, text: 'Chờ xác minh' }) : null,
    ),
    h('td', { class: 'nowrap', 'data-label': 'Xóm', text: hamletNames.get(citizen.hamlet_id) || citizen.hamlet_id || '' }),
    h('td', { 'data-label': 'Địa chỉ', text: citizen.address || '' }),
    h('td', { 'data-label': 'Trạng thái' }, statusBadge(citizen.status)),
  );
}

async function loadCitizens(reset) {
  const box = $('#citizens-alert');
  const form = $('#citizen-filter');
  const tbody = $('#citizens-table tbody');
  if (reset) citizenState.cursor = null;
  const query = { ...formValues(form), limit: PAGE_SIZE, cursor: citizenState.cursor };
  try {
    const button = reset ? $('#search-button') : $('#citizens-more');
    const page = await busy(button, t('loading'), () => api.call('GET', '/citizens', { query }));
    if (reset) {
      tbody.replaceChildren();
      clearProblems(form, box);
    }
    for (const citizen of page.items || []) tbody.append(citizenRow(citizen));
    citizenState.cursor = page.next_cursor || null;
    citizenState.loaded = true;
    show($('#citizens-more'), Boolean(citizenState.cursor));
    show($('#citizens-empty'), tbody.rows.length === 0);
  } catch (error) {
    if (error.status !== 401) showError(box, form, error);
  }
}

function toggleNewCitizen(open) {
  show($('#new-citizen'), open);
  $('#new-citizen-toggle').setAttribute('aria-expanded', String(open));
  if (open) {
    clearProblems($('#new-citizen-form'), $('#new-citizen-alert'));
    $('#nc-full_name').focus();
  }
}

async function createCitizen() {
  const form = $('#new-citizen-form');
  const box = $('#new-citizen-alert');
  clearProblems(form, box);
  const values = formValues(form);
  const body = { full_name: values.full_name, phone: values.phone, hamlet_id: values.hamlet_id, address: values.address };
  if (values.cccd) body.cccd = values.cccd.replace(/\s/g, '');
  const birth = parseDateVn(values.birth_date);
  if (birth === undefined) {
    fieldProblem(form, 'birth_date', t('date_invalid'));
    return;
  }
  if (birth) body.birth_date = birth;
  try {
    const created = await busy($('#new-citizen-save'), t('saving'), () => api.call('POST', '/citizens', { body }));
    form.reset();
    toggleNewCitizen(false);
    await loadCitizens(true);
    notify($('#citizens-alert'), 'success', t('created_done', { name: (created && created.full_name) || body.full_name }));
  } catch (error) {
    if (error.status !== 401) showError(box, form, error);
  }
}

// ---------------------------------------------------------------- start

function wire() {
  $('#signin-form').addEventListener('submit', (event) => {
    event.preventDefault();
    signIn();
  });
  $('#sign-out').addEventListener('click', signOut);
  $('#citizen-filter').addEventListener('submit', (event) => {
    event.preventDefault();
    loadCitizens(true);
  });
  for (const select of ['#f-hamlet_id', '#f-status']) $(select).addEventListener('change', () => loadCitizens(true));
  $('#citizens-more').addEventListener('click', () => loadCitizens(false));
  $('#new-citizen-toggle').addEventListener('click', () => toggleNewCitizen($('#new-citizen').hidden));
  $('#new-citizen-cancel').addEventListener('click', () => toggleNewCitizen(false));
  $('#new-citizen-form').addEventListener('submit', (event) => {
    event.preventDefault();
    createCitizen();
  });
  window.addEventListener('hashchange', route);
}

async function start() {
  wire();
  if (!api.token) {
    showSignIn();
    return;
  }
  try {
    await enter();
  } catch (error) {
    if (error.status !== 401) notify($('#page-alert'), 'error', error.message);
  }
}

start();
