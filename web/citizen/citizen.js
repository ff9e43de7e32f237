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
};
const VI = {
  signin_first: 'Vui lòng đăng nhập bằng số điện thoại để gửi và theo dõi phản ánh.',
  phone_on_file: 'Số điện thoại: {phone}',
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
  saveProfile: $('#save-profile'),
  cccdHint: $('#cccd-hint'),
};

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
  show(el.signOut, false);
  show(el.signin, true);
  show(el.otpVerify, false);
  show(el.otpRequest, true);
  clearProblems(el.otpRequest, el.otpAlert);
  if (message) notify(el.otpAlert, 'info', message);
}

function showCodeStep(sent) {
  show(el.otpRequest, false);
  show(el.otpVerify, true);
  el.otpVerify.reset();
  const minutes = Math.max(1, Math.round((sent.expires_in_s || 300) / 60));
  notify(el.otpAlert, 'info', sent.message || t('otp_sent', { phone, min: minutes }));
  fill(el.codeHint, t('code_valid', { min: minutes }));
  countdown(el.resend, sent.resend_after_s || 60, t('resend'));
  $('#code').focus();
}

function renderProfile(me) {
  const form = el.profileForm;
  form.elements.full_name.value = me.full_name || '';
  form.elements.hamlet_id.value = me.hamlet_id || '';
  form.elements.address.value = me.address || '';
  form.elements.cccd.value = '';
  form.elements.birth_date.value = formatDate(me.birth_date);
  // A CCCD the citizen gave waits for staff to check the card (the same words whether or not it is taken).
  const cccdHint = me.cccd_pending_masked
    ? t('cccd_pending', { masked: me.cccd_pending_masked })
    : me.cccd_masked
      ? t('cccd_saved', { masked: me.cccd_masked })
      : '';
  fill(el.cccdHint, cccdHint);
  fill(el.profilePhone, me.phone_masked ? say('phone_on_file', { phone: me.phone_masked }) : '');
}

async function showProfile() {
  const me = await api.call('GET', '/me');
  show(el.signin, false);
  show(el.profile, true);
  show(el.signOut, true);
  clearProblems(el.profileForm, el.profileAlert);
  renderProfile(me);
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
    if (feedbackRoute()) await route();
    else await showProfile();
  } catch (error) {
    showError(el.otpAlert, el.otpVerify, error);
  }
}

async function saveProfile() {
  const form = el.profileForm;
  clearProblems(form, el.profileAlert);
  const values = formValues(form);
  const body = { full_name: values.full_name, hamlet_id: values.hamlet_id, address: values.address };
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
}

// ---------------------------------------------------------------- routing: home (sign-in/profile) or a feedback view

const modules = {};
// Views drawn by modules loaded on demand: feedback (#/phan-anh, #/cong-dong) and alerts (#/thong-bao).
const feedbackRoute = () => /^#\/(phan-anh|cong-dong|thong-bao)(\/|$)/.test(window.location.hash);

function showHome() {
  show($('#fb-view'), false);
  show($('#services'), true);
}

async function route() {
  if (!commune) return;
  if (!feedbackRoute()) {
    showHome();
    if (!api.token) showSignIn();
    else await showProfile().catch(homeRefused);
    return;
  }
  const own = window.location.hash.startsWith('#/phan-anh');
  if (own && !api.token) {
    showHome();
    showSignIn(say('signin_first'));
    return;
  }
  show(el.signin, false);
  show(el.profile, false);
  show($('#services'), false);
  show(el.signOut, Boolean(api.token));
  const view = $('#fb-view');
  show(view, true);
  const alerts = window.location.hash.startsWith('#/thong-bao');
  const name = alerts ? 'alerts' : 'feedback';
  try {
    modules[name] = modules[name] || (await (alerts ? import('/citizen/alerts.js') : import('/citizen/feedback.js')));
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
  el.changePhone.addEventListener('click', () => showSignIn());
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
