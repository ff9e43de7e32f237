// Shared helpers of the SmartCommune pages: DOM building without HTML strings, the API client, dates, forms.
// Every piece of data reaches the page through textContent or attributes, never through HTML parsing.
import { t } from './i18n.js';

export const API_BASE = '/api';
export const TIME_ZONE = 'Asia/Ho_Chi_Minh';
const COMMUNE_ID = /^[a-z0-9][a-z0-9-]{1,39}$/;

/**
 * Build an element. `attrs` may hold `class`, `text`, `dataset` (object), `on` (object of event handlers),
 * boolean attributes (true/false) and plain attributes; children are nodes, strings (as text) or arrays.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'class') el.className = Array.isArray(value) ? value.filter(Boolean).join(' ') : value;
    else if (name === 'text') el.textContent = String(value);
    else if (name === 'dataset') Object.assign(el.dataset, value);
    else if (name === 'on') for (const [type, fn] of Object.entries(value)) el.addEventListener(type, fn);
    else if (name === 'value' && 'value' in el) el.value = String(value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(parent, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replace everything inside `el` with `children`. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export const $ = (selector, root = document) => root.querySelector(selector);
export const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));

export function show(el, visible = true) {
  el.hidden = !visible;
}

// ---------------------------------------------------------------- API

/** An error answered by the API (or the network), with the Vietnamese message and per-field problems. */
export class ApiError extends Error {
  constructor(status, body) {
    const error = (body && body.error) || {};
    super(error.message || (status === 0 ? t('network') : t('unexpected', { status })));
    this.status = status;
    this.code = error.code || (status === 0 ? 'network' : 'error');
    this.messageEn = error.message_en || '';
    this.details = Array.isArray(error.details) ? error.details : [];
    this.retryAfter = Number(error.retry_after_s) || 0;
  }
}

/**
 * A client for `/api` that keeps its session token in `storage` under `tokenKey` and calls
 * `onUnauthenticated(error)` when a signed-in call is answered 401 (the token is dropped first).
 */
export function apiClient({ storage, tokenKey, onUnauthenticated }) {
  return {
    get token() {
      try {
        return storage.getItem(tokenKey);
      } catch {
        return null;
      }
    },
    setToken(token) {
      storage.setItem(tokenKey, token);
    },
    clearToken() {
      storage.removeItem(tokenKey);
    },
    async call(method, path, { body, query, headers: extra } = {}) {
      let url = API_BASE + path;
      if (query) {
        const params = new URLSearchParams();
        for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, v);
        const qs = params.toString();
        if (qs) url += `?${qs}`;
      }
      const headers = { Accept: 'application/json', ...(extra || {}) };
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      const token = this.token;
      if (token) headers.Authorization = `Bearer ${token}`;
      let response;
      try {
        response = await fetch(url, {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
          credentials: 'same-origin',
          cache: 'no-store',
        });
      } catch {
        throw new ApiError(0, null);
      }
      const text = await response.text();
      let data = null;
      if (text) {
        try {
          data = JSON.parse(text);
        } catch {
          data = null;
        }
      }
      if (!response.ok) {
        const error = new ApiError(response.status, data);
        if (response.status === 401 && token) {
          this.clearToken();
          if (onUnauthenticated) onUnauthenticated(error);
        }
        throw error;
      }
      return data;
    },
  };
}

/** The commune the page is about: `?xa=` if well-formed, else `<meta name="sc-default-commune">`. */
export function communeFromUrl() {
  const fallback = document.querySelector('meta[name="sc-default-commune"]')?.content || 'giao-phong';
  const wanted = new URLSearchParams(window.location.search).get('xa');
  return wanted && COMMUNE_ID.test(wanted) ? wanted : fallback;
}

/** "Xã Giao Phong" → "Giao Phong", for titles such as "Công dân số Giao Phong". */
export function shortCommuneName(name) {
  return String(name || '').replace(/^(xã|phường|thị trấn)\s+/i, '');
}

// ---------------------------------------------------------------- dates (dd/mm/yyyy, Vietnam time)

const PARTS = new Intl.DateTimeFormat('en-GB', {
  timeZone: TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

function parts(value) {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return null;
  return Object.fromEntries(PARTS.formatToParts(date).map((p) => [p.type, p.value]));
}

/** dd/mm/yyyy; a plain date (yyyy-mm-dd) is reordered as it is, an instant is read in Vietnam's time zone. */
export function formatDate(value) {
  if (!value) return '';
  const plain = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(value));
  if (plain) return `${plain[3]}/${plain[2]}/${plain[1]}`;
  const p = parts(value);
  return p ? `${p.day}/${p.month}/${p.year}` : String(value);
}

/** dd/mm/yyyy HH:mm in Vietnam's time zone. */
export function formatDateTime(value) {
  const p = parts(value);
  return p ? `${p.day}/${p.month}/${p.year} ${p.hour}:${p.minute}` : String(value ?? '');
}

/** "05/09/1990" → "1990-09-05"; "" → null; anything else → undefined (invalid). */
export function parseDateVn(text) {
  const value = String(text || '').trim();
  if (!value) return null;
  const m = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(value);
  if (!m) return undefined;
  const [day, month, year] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

// ---------------------------------------------------------------- forms and messages

/** The form's named fields as an object of trimmed strings. */
export function formValues(form) {
  const values = {};
  for (const [name, value] of new FormData(form)) values[name] = typeof value === 'string' ? value.trim() : value;
  return values;
}

/** Show a message in an alert box: kind is "error", "success" or "info". */
export function notify(box, kind, ...content) {
  box.className = `alert alert-${kind}`;
  box.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  fill(box, ...content);
  box.hidden = false;
}

/** Hide the alert box and every per-field message of `form`. */
export function clearProblems(form, box) {
  if (box) {
    box.hidden = true;
    box.replaceChildren();
  }
  if (!form) return;
  for (const el of $$('.field-error', form)) el.remove();
  for (const el of $$('[aria-invalid]', form)) el.removeAttribute('aria-invalid');
}

/** Mark one field of `form` with a message under it. */
export function fieldProblem(form, name, message) {
  const input = form.elements.namedItem(name);
  if (!input || !(input instanceof Element)) return false;
  const id = `${form.id || 'form'}-${name}-error`;
  input.setAttribute('aria-invalid', 'true');
  input.setAttribute('aria-describedby', id);
  input.after(h('p', { class: 'field-error', id, text: message }));
  return true;
}

/**
 * Show an API error next to `form`: the message in `box`, and each `details[]` problem under its field
 * (or listed in the box when the field is not on the form).
 */
export function showError(box, form, error) {
  clearProblems(form, box);
  const message = error instanceof ApiError || error instanceof Error ? error.message : String(error);
  const unplaced = [];
  for (const problem of error?.details || []) {
    const name = String(problem.field || '').split('.').pop();
    if (!form || !fieldProblem(form, name, problem.message)) unplaced.push(problem);
  }
  notify(
    box,
    'error',
    h('span', { text: message }),
    unplaced.length ? h('ul', {}, unplaced.map((p) => h('li', { text: `${p.field}: ${p.message}` }))) : null,
  );
  const first = form && $('[aria-invalid="true"]', form);
  if (first) first.focus();
}

/** Run `task` with `button` disabled and showing `busyText`; restores the button afterwards. */
export async function busy(button, busyText, task) {
  const original = button.textContent;
  button.disabled = true;
  button.textContent = busyText;
  try {
    return await task();
  } finally {
    button.disabled = false;
    button.textContent = original;
  }
}

/** Fill a <select> with options [{value, label}], keeping the first `keep` existing options. */
export function setOptions(select, options, keep = 0) {
  while (select.options.length > keep) select.remove(keep);
  for (const { value, label } of options) select.add(h('option', { value, text: label }));
}

/** A fresh random id (an Idempotency-Key); crypto.randomUUID needs a secure context, so fall back to getRandomValues. */
export function randomId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** "còn 2 ngày 3 giờ" / "quá hạn 5 giờ" from a number of hours (negative = overdue), in the current language. */
export function remainingText(hours, overdue) {
  const value = Math.round(Math.abs(Number(hours) || 0)); // 167.9 h is 7 days, not "6 days 24 h"
  const days = Math.floor(value / 24);
  const rest = value % 24;
  const span = days ? t(rest ? 'days_hours' : 'days', { d: days, h: rest }) : t('hours', { h: rest });
  return t(overdue || Number(hours) < 0 ? 'overdue_by' : 'remaining', { span });
}
