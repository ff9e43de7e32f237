// Citizen portal: sign in with a phone code, keep one's own profile up to date; feedback views load on demand
// (/citizen/feedback.js) so the first visit on a slow link stays small. Vietnamese first, with an English switch.
import { language, setLanguage, t } from '/shared/i18n.js';
import {
  $,
  ApiError,
  apiClient,
  busy,
  clearProblems,
  communeFromUrl,
  fieldProblem,
  fill,
  formatDate,
  formValues,
  notify,
  parseDateVn,
  setOptions,
  shortCommuneName,
  show,
  showError,
} from '/shared/sc.js';

const communeId = communeFromUrl();
// The token stays in localStorage so a citizen remains signed in on their phone.
const api = apiClient({
  storage: window.localStorage,
  tokenKey: `sc.citizen.${communeId}.token`,
  onUnauthenticated: () => {
    showHome();
    showSignIn(t('session_expired'));
  },
});
const LANG_KEY = 'sc.lang';
const EN = {
  signin_first: 'Please sign in with your phone number to send and follow feedback.',
  phone_on_file: 'Phone: {phone}',
  hello: 'Hello',
  hello_name: 'Hello, {name}',
  welcome:
    'A digital citizen account was created for {phone}. Your profile tells the commune which hamlet you live in, ' +
    'so that your feedback goes to the right people and alerts reach you; you can complete it later.',
  code_again: 'Enter the code sent to {phone}; it is valid for {min} more minutes.',
  unit_now: 'Administrative address: {current}',
  unit_was: 'Administrative address: {current} (formerly {former})',
};
const VI = {
  signin_first: 'Vui lòng đăng nhập bằng số điện thoại để gửi và theo dõi phản ánh.',
  phone_on_file: 'Số điện thoại: {phone}',
  hello: 'Xin chào',
  hello_name: 'Xin chào, {name}',
  welcome:
    'Đã tạo tài khoản Công dân số cho số {phone}. Hồ sơ giúp UBND xã biết bạn ở xóm nào để chuyển phản ánh ' +
    'đúng nơi xử lý và gửi cảnh báo đến bạn; bạn có thể bổ sung sau.',
  code_again: 'Nhập mã đã gửi đến số {phone}; mã còn hiệu lực trong {min} phút.',
  unit_now: 'Địa giới hành chính: {current}',
  unit_was: 'Địa giới hành chính: {current} (trước đây: {former})',
};
const say = (key, vars = {}) =>
  (language() === 'en' ? EN : VI)[key].replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ''));

const el = {
  pageAlert: $('#page-alert'),
  signOut: $('#sign-out'),
  signin: $('#signin'),
  otpAlert: $('#otp-alert'),
  otpRequest: $('#otp-request'),
  sendCode: $('#send-code'),
  otpVerify: $('#otp-verify'),
  verifyCode: $('#verify-code'),
  codeHint: $('#code-hint'),
  resend: $('#resend'),
  changePhone: $('#change-phone'),
  profile: $('#profile'),
  profileAlert: $('#profile-alert'),
  profileForm: $('#profile-form'),
  profilePhone: $('#profile-phone'),
  profileUnit: $('#profile-unit'),
  saveProfile: $('#save-profile'),
  cccdHint: $('#cccd-hint'),
  account: $('#account'),
};
// A code already sent survives a reload of the tab (not the tab's closing) while it is valid.
const OTP_KEY = `sc.citizen.${communeId}.otp`;

let commune = null;
let phone = '';
const timers = new Map();

// ---------------------------------------------------------------- countdowns (resend / retry)

function countdown(button, seconds, idleText) {
  clearInterval(timers.get(button));
  let left = Math.max(0, Math.ceil(seconds));
  const tick = () => {
    if (left <= 0) {
      clearInterval(timers.get(button));
      button.disabled = false;
      button.textContent = idleText;
      return;
    }
    button.disabled = true;
    button.textContent = t('resend_in', { s: left });
    left -= 1;
  };
  tick();
  timers.set(button, setInterval(tick, 1000));
}

// ---------------------------------------------------------------- views

function renderCommune() {
  const short = shortCommuneName(commune.name);
  fill($('#commune-short'), short);
  fill($('#commune-place'), [commune.name, commune.district, commune.province].filter(Boolean).join(', '));
  fill($('#footer-commune'), commune.name);
  document.title = `Công dân số ${short}`;
  setOptions(
    $('#hamlet_id'),
    (commune.hamlets || []).map((hamlet) => ({ value: hamlet.id, label: hamlet.name })),
    1,
  );
}

function showSignIn(message) {
  show(el.profile, false);
  show(el.account, false);
  show(el.signOut, false);
  show(el.signin, true);
  show(el.otpVerify, false);
  show(el.otpRequest, true);
  clearProblems(el.otpRequest, el.otpAlert);
  if (message) notify(el.otpAlert, 'info', message);
}

function showCodeStep(sent, message) {
  show(el.otpRequest, false);
  show(el.otpVerify, true);
  el.otpVerify.reset();
  const minutes = Math.max(1, Math.round((sent.expires_in_s || 300) / 60));
  notify(el.otpAlert, 'info', message || sent.message || t('otp_sent', { phone, min: minutes }));
  fill(el.codeHint, t('code_valid', { min: minutes }));
  countdown(el.resend, sent.resend_after_s || 60, t('resend'));
  $('#code').focus();
}

function rememberCode(sent) {
  const now = Date.now();
  const pending = {
    phone,
    expires_at: now + (sent.expires_in_s || 300) * 1000,
    resend_at: now + (sent.resend_after_s || 60) * 1000,
  };
  try {
    window.sessionStorage.setItem(OTP_KEY, JSON.stringify(pending));
  } catch {
    // No storage (private mode): a reload asks for a new code.
  }
}

function forgetCode() {
  try {
    window.sessionStorage.removeItem(OTP_KEY);
  } catch {
    // Nothing was stored.
  }
}

/** After a reload: back to the code step if a code sent from this tab is still valid. */
function resumeCodeStep() {
  let pending = null;
  try {
    pending = JSON.parse(window.sessionStorage.getItem(OTP_KEY) || 'null');
  } catch {
    pending = null;
  }
  const now = Date.now();
  if (!pending || !pending.phone || !(pending.expires_at > now + 5000)) {
    forgetCode();
    return false;
  }
  phone = pending.phone;
  el.otpRequest.elements.phone.value = phone;
  const sent = { expires_in_s: (pending.expires_at - now) / 1000, resend_after_s: (pending.resend_at - now) / 1000 };
  const minutes = Math.max(1, Math.round(sent.expires_in_s / 60));
  showCodeStep(sent, say('code_again', { phone, min: minutes }));
  return true;
}

function renderAccount(me) {
  fill($('#account-title'), me.full_name ? say('hello_name', { name: me.full_name }) : say('hello'));
  fill($('#account-phone'), me.phone_masked ? say('phone_on_file', { phone: me.phone_masked }) : '');
  show($('#account-incomplete'), !me.profile_complete);
}

async function showAccount() {
  const me = await api.call('GET', '/me');
  show(el.signin, false);
  show(el.profile, false);
  show(el.account, true);
  show(el.signOut, true);
  renderAccount(me);
}

function renderProfile(me) {
  const form = el.profileForm;
  form.elements.full_name.value = me.full_name || '';
  form.elements.hamlet_id.value = me.hamlet_id || '';
  form.elements.address.value = me.address || '';
  form.elements.cccd.value = '';
  form.elements.birth_date.value = formatDate(me.birth_date);
  for (const radio of form.querySelectorAll('input[name="status_updates"]')) {
    radio.checked = radio.value === (me.status_updates || 'sms');
  }
  // A CCCD the citizen gave waits for staff to check the card (the same words whether or not it is taken).
  const cccdHint = me.cccd_pending_masked
    ? t('cccd_pending', { masked: me.cccd_pending_masked })
    : me.cccd_masked
      ? t('cccd_saved', { masked: me.cccd_masked })
      : '';
  fill(el.cccdHint, cccdHint);
  fill(el.profilePhone, me.phone_masked ? say('phone_on_file', { phone: me.phone_masked }) : '');
  // Since 1/7/2025 communes were merged and districts are gone: today's address, and the former one people know.
  const unit = me.unit_address;
  fill(el.profileUnit, unit ? say(unit.former ? 'unit_was' : 'unit_now', unit) : '');
}

async function showProfile(welcome = false) {
  const me = await api.call('GET', '/me');
  show(el.signin, false);
  show(el.account, false);
  show(el.profile, true);
  show(el.signOut, true);
  clearProblems(el.profileForm, el.profileAlert);
  renderProfile(me);
  if (welcome) notify(el.profileAlert, 'info', say('welcome', { phone: me.phone_masked || '' }));
}

// ---------------------------------------------------------------- actions

async function requestCode(button) {
  clearProblems(el.otpRequest, el.otpAlert);
  const values = formValues(el.otpRequest);
  if (!values.phone) {
    fieldProblem(el.otpRequest, 'phone', 'Vui lòng nhập số điện thoại.');
    return;
  }
  phone = values.phone;
  try {
    const sent = await busy(button, t('sending'), () =>
      api.call('POST', '/auth/otp', { body: { commune_id: communeId, phone } }),
    );
    rememberCode(sent);
    showCodeStep(sent);
  } catch (error) {
    const onStep2 = !el.otpVerify.hidden;
    showError(el.otpAlert, onStep2 ? null : el.otpRequest, error);
    if (error.retryAfter) countdown(button, error.retryAfter, onStep2 ? t('resend') : 'Gửi mã');
  }
}

async function verifyCode() {
  clearProblems(el.otpVerify, el.otpAlert);
  const { code } = formValues(el.otpVerify);
  if (!code) {
    fieldProblem(el.otpVerify, 'code', 'Vui lòng nhập mã xác thực nhận được qua SMS.');
    return;
  }
  try {
    const session = await busy(el.verifyCode, t('loading'), () =>
      api.call('POST', '/auth/otp/verify', { body: { commune_id: communeId, phone, code } }),
    );
    api.setToken(session.token);
    forgetCode();
    // Back to what the citizen came for; a new account first learns what its profile is for.
    if (feedbackRoute()) await route();
    else if (session.account_created) {
      welcomeNext = true;
      if (window.location.hash === '#/ho-so') await route();
      else window.location.hash = '#/ho-so';
    } else await route();
  } catch (error) {
    showError(el.otpAlert, el.otpVerify, error);
  }
}

async function saveProfile() {
  const form = el.profileForm;
  clearProblems(form, el.profileAlert);
  const values = formValues(form);
  const body = { full_name: values.full_name, hamlet_id: values.hamlet_id, address: values.address };
  if (values.status_updates) body.status_updates = values.status_updates;
  if (values.cccd) body.cccd = values.cccd.replace(/\s/g, '');
  const birth = parseDateVn(values.birth_date);
  if (birth === undefined) {
    fieldProblem(form, 'birth_date', t('date_invalid'));
    return;
  }
  if (birth) body.birth_date = birth;
  try {
    await busy(el.saveProfile, t('saving'), () => api.call('PUT', '/me/profile', { body }));
    const me = await api.call('GET', '/me');
    renderProfile(me);
    notify(el.profileAlert, 'success', t('profile_saved'));
    el.profileAlert.focus();
  } catch (error) {
    if (error.status !== 401) showError(el.profileAlert, form, error);
  }
}

async function signOut() {
  try {
    await api.call('POST', '/auth/logout');
  } catch {
    // Signing out locally is what matters; the session expires on the server anyway.
  }
  api.clearToken();
  if (feedbackRoute()) window.location.hash = '#/';
  showHome();
  showSignIn();
}

// ---------------------------------------------------------------- language (Vietnamese first, English on demand)

/** Swap every static text marked with data-en (the Vietnamese original is kept in data-vi). */
function applyLanguage(code) {
  setLanguage(code);
  document.documentElement.lang = code;
  for (const node of document.querySelectorAll('[data-en]')) {
    if (node.dataset.vi === undefined) node.dataset.vi = node.textContent;
    node.textContent = code === 'en' ? node.dataset.en : node.dataset.vi;
  }
  for (const node of document.querySelectorAll('[data-en-placeholder]')) {
    if (node.dataset.viPlaceholder === undefined) node.dataset.viPlaceholder = node.placeholder;
    node.placeholder = code === 'en' ? node.dataset.enPlaceholder : node.dataset.viPlaceholder;
  }
  const toggle = $('#lang');
  toggle.textContent = code === 'en' ? 'Tiếng Việt' : 'English';
  toggle.lang = code === 'en' ? 'vi' : 'en';
  show(toggle, true);
}

function switchLanguage() {
  const next = language() === 'en' ? 'vi' : 'en';
  try {
    window.localStorage.setItem(LANG_KEY, next);
  } catch {
    // Private mode: the switch still works for this visit.
  }
  applyLanguage(next);
  if (feedbackRoute()) route();
  else if (!el.profile.hidden) showProfile().catch(() => {});
  else if (!el.account.hidden) showAccount().catch(() => {});
}

// ---------------------------------------------------------------- routing: home (sign-in/profile) or a feedback view

const modules = {};
// Views drawn by modules loaded on demand: feedback (#/phan-anh, #/cong-dong), alerts (#/thong-bao), fees (#/phi),
// health station (#/kham-benh), waste collection (#/thu-gom-rac).
const feedbackRoute = () => /^#\/(phan-anh|cong-dong|thong-bao|phi|kham-benh|thu-gom-rac)(\/|$)/.test(window.location.hash);
const MODULES = {
  alerts: () => import('/citizen/alerts.js'),
  feedback: () => import('/citizen/feedback.js'),
  fees: () => import('/citizen/fees.js'),
  health: () => import('/citizen/health.js'),
  waste: () => import('/citizen/waste.js'),
};

function showHome() {
  show($('#fb-view'), false);
  show($('#services'), true);
}

let welcomeNext = false; // set by a sign-in that created the account: the profile opens with a word of welcome

async function route() {
  if (!commune) return;
  if (!feedbackRoute()) {
    showHome();
    const welcome = welcomeNext;
    welcomeNext = false;
    if (!api.token) {
      showSignIn();
      resumeCodeStep();
    } else if (window.location.hash === '#/ho-so') await showProfile(welcome).catch(homeRefused);
    else await showAccount().catch(homeRefused);
    return;
  }
  const own = /^#\/(phan-anh|phi)(\/|$)/.test(window.location.hash);
  if (own && !api.token) {
    showHome();
    showSignIn(say('signin_first'));
    resumeCodeStep();
    return;
  }
  show(el.signin, false);
  show(el.profile, false);
  show(el.account, false);
  show($('#services'), false);
  show(el.signOut, Boolean(api.token));
  const view = $('#fb-view');
  show(view, true);
  const hash = window.location.hash;
  const name = hash.startsWith('#/thong-bao')
    ? 'alerts'
    : hash.startsWith('#/phi')
      ? 'fees'
      : hash.startsWith('#/kham-benh')
        ? 'health'
        : hash.startsWith('#/thu-gom-rac')
          ? 'waste'
          : 'feedback';
  try {
    modules[name] = modules[name] || (await MODULES[name]());
  } catch {
    notify(el.pageAlert, 'error', t('network'));
    return;
  }
  await modules[name].render(view, { api, communeId, commune, hash: window.location.hash });
  window.scrollTo(0, 0);
}

function homeRefused(error) {
  // 401 already led back to sign-in; a locked account or another refusal is explained there too.
  if (error instanceof ApiError && error.status !== 401) {
    api.clearToken();
    showSignIn();
    showError(el.otpAlert, null, error);
  }
}

// ---------------------------------------------------------------- start

function wire() {
  el.otpRequest.addEventListener('submit', (event) => {
    event.preventDefault();
    requestCode(el.sendCode);
  });
  el.resend.addEventListener('click', () => requestCode(el.resend));
  el.changePhone.addEventListener('click', () => {
    forgetCode();
    showSignIn();
  });
  el.otpVerify.addEventListener('submit', (event) => {
    event.preventDefault();
    verifyCode();
  });
  el.profileForm.addEventListener('submit', (event) => {
    event.preventDefault();
    saveProfile();
  });
  el.signOut.addEventListener('click', signOut);
  el.profileAlert.tabIndex = -1;
  $('#lang').addEventListener('click', switchLanguage);
  window.addEventListener('hashchange', route);
}

async function start() {
  wire();
  let saved = 'vi';
  try {
    saved = window.localStorage.getItem(LANG_KEY) === 'en' ? 'en' : 'vi';
  } catch {
    // No storage: Vietnamese.
  }
  applyLanguage(saved);
  try {
    commune = await api.call('GET', `/communes/${encodeURIComponent(communeId)}`);
    renderCommune();
  } catch (error) {
    notify(el.pageAlert, 'error', error.message);
    return;
  }
  await route();
}

start();
