// The commune website (public, no sign-in): the officials' directory, OCOP products and agri-tourism places, news.
// Lists come a page at a time (the API's cursors) and search is the API's, which ignores diacritics ("cong an"
// finds "Công an"); small responses and no images but the places' own photos, for slow links.
import { $, $$, apiClient, communeFromUrl, fill, formatDate, h, notify, shortCommuneName, show } from '/shared/sc.js';

const api = apiClient({ storage: window.sessionStorage, tokenKey: 'sc.site.none' });
const communeId = communeFromUrl();
const base = `/communes/${encodeURIComponent(communeId)}/site`;
const PAGE = 20;
const VIEWS = ['home', 'danh-ba', 'san-pham', 'tin-tuc', 'bai-viet'];

/** +842283999001 → "0228 3999 001"; +84912345678 → "0912 345 678" (as people write them here). */
export function nationalPhone(e164) {
  const national = String(e164 || '').replace(/^\+84/, '0');
  if (/^02\d{9}$/.test(national)) return `${national.slice(0, 4)} ${national.slice(4, 8)} ${national.slice(8)}`;
  if (/^0\d{9}$/.test(national)) return `${national.slice(0, 4)} ${national.slice(4, 7)} ${national.slice(7)}`;
  return national;
}

function stars(n) {
  return h('span', { class: 'ocop-stars', 'aria-label': `${n} sao OCOP`, text: '★'.repeat(n) + '☆'.repeat(5 - n) });
}

function contacts(phone, email) {
  return h(
    'p',
    { class: 'contacts' },
    phone ? h('a', { href: `tel:${phone}`, text: `☎ ${nationalPhone(phone)}` }) : null,
    email ? h('a', { href: `mailto:${email}`, text: `✉ ${email}` }) : null,
  );
}

// ---------------------------------------------------------------- one paged, searchable list per section

function pagedList({ list, empty, more, form, path, draw }) {
  const state = { cursor: null, seq: 0 };
  async function load(reset) {
    const seq = ++state.seq; // a slow answer to an older search must not overwrite a newer one
    if (reset) state.cursor = null;
    const query = { limit: PAGE, cursor: state.cursor };
    for (const [name, value] of new FormData(form)) if (String(value).trim()) query[name] = String(value).trim();
    try {
      const page = await api.call('GET', path, { query });
      if (seq !== state.seq) return;
      if (reset) list.replaceChildren();
      for (const item of page.items || []) list.append(h('li', { class: 'entry' }, draw(item)));
      state.cursor = page.next_cursor || null;
      show(more, Boolean(state.cursor));
      show(empty, list.children.length === 0);
    } catch (error) {
      if (seq === state.seq) notify($('#page-alert'), 'error', error.message);
    }
  }
  let timer = null;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    load(true);
  });
  form.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => load(true), 350);
  });
  more.addEventListener('click', () => load(false));
  return { load, loaded: false };
}

function official(o) {
  return h(
    'div',
    { class: 'official' },
    o.photo_url ? h('img', { src: o.photo_url, alt: '', loading: 'lazy', width: 64, height: 64 }) : null,
    h('div', {}, h('h2', { text: o.full_name }), h('p', { text: o.position }), h('p', { class: 'muted', text: o.unit }), contacts(o.work_phone, o.work_email)),
  );
}

function mapLink(location) {
  if (!location) return null;
  const { lat, lon } = location;
  return h('a', { href: `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=16/${lat}/${lon}`, rel: 'noopener', text: 'Xem bản đồ' });
}

function place(p) {
  const kind = p.kind === 'ocop' ? 'Sản phẩm OCOP' : 'Điểm du lịch';
  return [
    h('h2', { text: p.name }),
    h('p', { class: 'muted' }, kind, p.ocop_stars ? ' · ' : '', p.ocop_stars ? stars(p.ocop_stars) : null),
    p.product ? h('p', {}, h('strong', { text: 'Sản phẩm: ' }), p.product) : null,
    p.producer ? h('p', {}, h('strong', { text: 'Nơi sản xuất: ' }), p.producer) : null,
    p.hamlet_name ? h('p', {}, h('strong', { text: 'Địa chỉ: ' }), p.hamlet_name) : null,
    p.opening_hours ? h('p', {}, h('strong', { text: 'Giờ mở cửa: ' }), p.opening_hours) : null,
    p.description ? h('p', { text: p.description }) : null,
    (p.photos || []).length
      ? h('div', { class: 'photo-row' }, p.photos.map((photo) => h('figure', {}, h('img', { src: photo.url, alt: photo.caption || p.name, loading: 'lazy' }), photo.caption ? h('figcaption', { text: photo.caption }) : null)))
      : null,
    h('p', { class: 'contacts' }, p.contact_phone ? h('a', { href: `tel:${p.contact_phone}`, text: `☎ ${nationalPhone(p.contact_phone)}` }) : null, mapLink(p.location)),
  ];
}

function newsItem(a) {
  return [
    h('h2', {}, h('a', { href: `#/tin-tuc/${encodeURIComponent(a.slug)}`, text: a.title })),
    h('p', { class: 'muted', text: `Ngày ${formatDate(a.published_at)}` }),
    a.summary ? h('p', { text: a.summary }) : null,
  ];
}

// ---------------------------------------------------------------- views

const lists = {
  'danh-ba': pagedList({ list: $('#dir-list'), empty: $('#dir-empty'), more: $('#dir-more'), form: $('#dir-search'), path: `${base}/directory`, draw: official }),
  'san-pham': pagedList({ list: $('#places-list'), empty: $('#places-empty'), more: $('#places-more'), form: $('#places-search'), path: `${base}/places`, draw: place }),
  'tin-tuc': pagedList({ list: $('#news-list'), empty: $('#news-empty'), more: $('#news-more'), form: $('#news-search'), path: `${base}/news`, draw: newsItem }),
};

async function showArticle(slug) {
  const box = $('#bai-viet');
  fill(box, h('p', { class: 'muted', text: 'Đang tải…' }));
  try {
    const a = await api.call('GET', `${base}/news/${encodeURIComponent(slug)}`);
    const paragraphs = String(a.body || '').split(/\n\s*\n/).filter((p) => p.trim());
    document.title = `${a.title} — ${$('#commune-name').textContent}`;
    fill(
      box,
      h('h1', { text: a.title }),
      h('p', { class: 'muted', text: `Đăng ngày ${formatDate(a.published_at)} · ${a.author_name}` }),
      a.summary ? h('p', {}, h('strong', { text: a.summary })) : null,
      h('div', { class: 'article-body' }, paragraphs.map((p) => h('p', { text: p.trim() }))),
      h('p', {}, h('a', { href: '#/tin-tuc', text: '← Tất cả tin tức' }), ' · ', h('a', { href: `/api${base}/news/${encodeURIComponent(slug)}/page`, text: 'Bản in' })),
    );
  } catch (error) {
    fill(box, h('div', { class: 'alert alert-error', role: 'alert', text: error.status === 404 ? 'Không tìm thấy bài viết.' : error.message }));
  }
}

async function showHome() {
  try {
    const page = await api.call('GET', `${base}/news`, { query: { limit: 3 } });
    fill($('#home-news'), (page.items || []).map((a) => h('li', { class: 'entry' }, newsItem(a))));
  } catch (error) {
    notify($('#page-alert'), 'error', error.message);
  }
}

function route() {
  const [asked, ...rest] = (window.location.hash.replace(/^#\/?/, '') || 'home').split('/');
  let view = VIEWS.includes(asked) ? asked : 'home';
  if (view === 'tin-tuc' && rest.length) view = 'bai-viet';
  for (const id of VIEWS) show($(`#${id}`), id === view);
  for (const link of $$('.site-nav a')) {
    if (link.dataset.view === (view === 'bai-viet' ? 'tin-tuc' : view)) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  if (view === 'bai-viet') showArticle(decodeURIComponent(rest.join('/')));
  else if (view === 'home') showHome();
  else if (!lists[view].loaded) {
    lists[view].loaded = true;
    lists[view].load(true);
  }
}

async function start() {
  window.addEventListener('hashchange', route);
  route();
  try {
    const commune = await api.call('GET', `/communes/${encodeURIComponent(communeId)}`);
    // "Xã Giao Phong" reads "xã Giao Phong" inside a sentence.
    const full = commune.name || shortCommuneName(communeId);
    const name = full.charAt(0).toLowerCase() + full.slice(1);
    for (const id of ['#commune-name', '#footer-commune']) fill($(id), name);
    fill($('#commune-place'), [commune.district, commune.province].filter(Boolean).join(', '));
    document.title = `Trang thông tin điện tử ${name}`;
  } catch (error) {
    notify($('#page-alert'), 'error', error.message);
  }
}

start();
