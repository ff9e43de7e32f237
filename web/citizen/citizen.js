// Citizen portal: sign in with a phone code, then keep one's own profile up to date.
import { t } from '/shared/i18n.js';
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
  onUnauthenticated: () => showSignIn(t('session_expired')),
});

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
  fill(el.cccdHint, me.cccd_masked ? t('cccd_saved', { masked: me.cccd_masked }) : '');
  fill(el.profilePhone, me.phone_masked ? `Số điện thoại: ${me.phone_masked}` : '');
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
    await showProfile();
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
  showSignIn();
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
}

async function start() {
  wire();
  try {
    commune = await api.call('GET', `/communes/${encodeURIComponent(communeId)}`);
    renderCommune();
  } catch (error) {
    notify(el.pageAlert, 'error', error.message);
    return;
  }
  if (!api.token) {
    showSignIn();
    return;
  }
  try {
    await showProfile();
  } catch (error) {
    // 401 already led back to sign-in; a locked account or another refusal is explained there too.
    if (error instanceof ApiError && error.status !== 401) {
      api.clearToken();
      showSignIn();
      showError(el.otpAlert, null, error);
    }
  }
}

start();
