// Citizen feedback views, loaded on demand by citizen.js: send (with photos), my feedback, one item (timeline,
// comments, rating), and the published community feedback. Data reaches the page only through h() / textContent.
import { label, language } from '/shared/i18n.js';
import {
  $,
  busy,
  clearProblems,
  fieldProblem,
  fill,
  formatDate,
  formatDateTime,
  formValues,
  h,
  notify,
  randomId,
  remainingText,
  showError,
} from '/shared/sc.js';

const TYPES = ['image/jpeg', 'image/png', 'image/webp'];
const MAX_BYTES = 5 * 1024 * 1024;
const MAX_PHOTOS = 5;
const MAX_SIDE = 1600; // photos are downscaled to this before upload (cheaper on slow links)
const OPEN = ['received', 'assigned', 'in_progress'];
const RATEABLE = ['resolved', 'approved', 'published'];

const S = {
  vi: {
    nav_home: '← Trang chính',
    nav_new: 'Gửi phản ánh',
    nav_mine: 'Phản ánh của tôi',
    nav_public: 'Phản ánh đã công khai',
    new_title: 'Gửi phản ánh, kiến nghị',
    field: 'Lĩnh vực',
    choose_field: '— Chọn lĩnh vực —',
    all_fields: 'Tất cả lĩnh vực',
    title: 'Tiêu đề',
    description: 'Nội dung',
    description_hint: 'Mô tả sự việc, địa điểm cụ thể, thời gian.',
    hamlet: 'Xóm',
    choose_hamlet: '— Chọn xóm —',
    all_hamlets: 'Tất cả các xóm',
    locate: 'Lấy vị trí hiện tại',
    locating: 'Đang lấy vị trí…',
    located: 'Vị trí: {lat}, {lon}',
    no_location: 'Không lấy được vị trí. Bạn vẫn có thể gửi mà không có vị trí.',
    remove_location: 'Bỏ vị trí',
    photos: 'Ảnh (không bắt buộc)',
    photos_hint: 'Tối đa 5 ảnh JPEG, PNG hoặc WebP, mỗi ảnh không quá 5 MB.',
    bad_type: 'Ảnh «{name}» không đúng định dạng: chỉ nhận ảnh JPEG, PNG hoặc WebP.',
    too_big: 'Ảnh «{name}» quá lớn ({size}): mỗi ảnh không quá 5 MB.',
    too_many: 'Chỉ được gửi tối đa 5 ảnh.',
    remove: 'Bỏ ảnh',
    waiting: 'Chờ gửi',
    uploading: 'Đang tải lên…',
    uploaded: 'Đã tải lên',
    upload_failed: 'Tải ảnh lên không thành công (mã {status}). Bấm Gửi để thử lại.',
    upload_network: 'Mất kết nối khi tải ảnh lên. Bấm Gửi để thử lại.',
    anonymous: 'Ẩn danh khi công khai (không hiện ảnh của tôi trên trang công khai)',
    submit: 'Gửi phản ánh',
    sending: 'Đang gửi…',
    need_field: 'Vui lòng chọn lĩnh vực.',
    need_title: 'Tiêu đề cần từ 5 đến 150 ký tự.',
    need_description: 'Nội dung cần từ 10 đến 4000 ký tự.',
    need_hamlet: 'Vui lòng chọn xóm.',
    sent: 'Đã gửi phản ánh. Mã theo dõi của bạn: {code}. Bạn sẽ nhận tin nhắn SMS khi có thay đổi.',
    view_it: 'Xem phản ánh',
    send_another: 'Gửi phản ánh khác',
    mine_title: 'Phản ánh của tôi',
    none_mine: 'Bạn chưa gửi phản ánh nào.',
    more: 'Xem thêm',
    loading: 'Đang tải…',
    code: 'Mã theo dõi: {code}',
    due: 'Hạn trả lời: {text}',
    sent_on: 'Gửi ngày {date}',
    result: 'Kết quả xử lý',
    rejected: 'Lý do từ chối',
    duplicate: 'Trùng với phản ánh {code}',
    timeline: 'Quá trình xử lý',
    comments: 'Trao đổi',
    no_comments: 'Chưa có trao đổi nào.',
    you: 'Bạn',
    commune: 'UBND xã',
    comment_label: 'Nội dung trao đổi',
    comment_send: 'Gửi trao đổi',
    need_comment: 'Vui lòng nhập nội dung.',
    rate_title: 'Đánh giá kết quả xử lý',
    stars: 'Số sao',
    star_n: '{n} sao',
    rate_comment: 'Nhận xét (không bắt buộc)',
    rate_send: 'Gửi đánh giá',
    need_stars: 'Vui lòng chọn số sao.',
    rated: 'Bạn đã đánh giá: {stars}',
    public_title: 'Phản ánh đã công khai',
    search: 'Tìm kiếm',
    search_hint: 'Từ khóa, không cần dấu',
    find: 'Tìm',
    none_public: 'Không có phản ánh nào phù hợp.',
    rating_avg: 'Đánh giá của người dân: {stars}',
    location: 'Vị trí',
  },
  en: {
    nav_home: '← Home',
    nav_new: 'Send feedback',
    nav_mine: 'My feedback',
    nav_public: 'Community feedback',
    new_title: 'Send feedback or a petition',
    field: 'Field',
    choose_field: '— Choose a field —',
    all_fields: 'All fields',
    title: 'Title',
    description: 'Description',
    description_hint: 'What happened, the exact place, when.',
    hamlet: 'Hamlet',
    choose_hamlet: '— Choose a hamlet —',
    all_hamlets: 'All hamlets',
    locate: 'Use my current location',
    locating: 'Locating…',
    located: 'Location: {lat}, {lon}',
    no_location: 'Could not get the location. You can still send without it.',
    remove_location: 'Remove the location',
    photos: 'Photos (optional)',
    photos_hint: 'Up to 5 JPEG, PNG or WebP photos, 5 MB each at most.',
    bad_type: 'Photo “{name}” has the wrong type: only JPEG, PNG or WebP.',
    too_big: 'Photo “{name}” is too large ({size}): 5 MB at most.',
    too_many: 'At most 5 photos.',
    remove: 'Remove',
    waiting: 'Waiting',
    uploading: 'Uploading…',
    uploaded: 'Uploaded',
    upload_failed: 'The photo upload failed (code {status}). Press Send to retry.',
    upload_network: 'The connection dropped during the upload. Press Send to retry.',
    anonymous: 'Stay anonymous in public (do not show my photos publicly)',
    submit: 'Send feedback',
    sending: 'Sending…',
    need_field: 'Please choose a field.',
    need_title: 'The title needs 5 to 150 characters.',
    need_description: 'The description needs 10 to 4000 characters.',
    need_hamlet: 'Please choose a hamlet.',
    sent: 'Feedback sent. Your tracking code: {code}. You will get an SMS at each change.',
    view_it: 'View it',
    send_another: 'Send another',
    mine_title: 'My feedback',
    none_mine: 'You have not sent any feedback yet.',
    more: 'Show more',
    loading: 'Loading…',
    code: 'Tracking code: {code}',
    due: 'Reply due: {text}',
    sent_on: 'Sent on {date}',
    result: 'Result',
    rejected: 'Reason for rejection',
    duplicate: 'Duplicate of {code}',
    timeline: 'Handling',
    comments: 'Messages',
    no_comments: 'No messages yet.',
    you: 'You',
    commune: 'Commune',
    comment_label: 'Message',
    comment_send: 'Send the message',
    need_comment: 'Please write something.',
    rate_title: 'Rate the result',
    stars: 'Stars',
    star_n: '{n} stars',
    rate_comment: 'Comment (optional)',
    rate_send: 'Send the rating',
    need_stars: 'Please choose the stars.',
    rated: 'Your rating: {stars}',
    public_title: 'Community feedback',
    search: 'Search',
    search_hint: 'Keywords, accents optional',
    find: 'Search',
    none_public: 'No feedback matches.',
    rating_avg: 'Citizens’ rating: {stars}',
    location: 'Location',
  },
};

const s = (key, vars = {}) =>
  (S[language()][key] ?? S.vi[key]).replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ''));

let fields = null;

async function loadFields(ctx) {
  if (!fields) {
    const answer = await ctx.api.call('GET', `/communes/${encodeURIComponent(ctx.communeId)}/feedback-fields`);
    fields = (answer.items || []).filter((field) => field.active !== false);
  }
  return fields;
}

const fieldName = (code) => {
  const field = (fields || []).find((f) => f.code === code);
  return field ? (language() === 'en' && field.name_en) || field.name : code || '';
};
const hamletName = (ctx, id) => (ctx.commune.hamlets || []).find((hm) => hm.id === id)?.name || id || '';
const score = (item) => item.rating?.stars ?? item.rating_stars ?? 0;
const stars = (n) => `${'★'.repeat(n)}${'☆'.repeat(5 - n)}`;
// "12,7 KB" under 1 MB, "1,2 MB" above (Vietnamese decimal comma): a small photo never reads "0,0 MB".
const fileSize = (bytes) => {
  const mb = bytes >= 1048576;
  const n = (bytes / (mb ? 1048576 : 1024)).toFixed(1);
  return `${language() === 'en' ? n : n.replace('.', ',')} ${mb ? 'MB' : 'KB'}`;
};

// What the time left is for: "Hạn trả lời: còn 7 ngày", not a bare "Còn 7 ngày 0 giờ".
function due(item) {
  if (item.remaining_hours == null) return null;
  const text = remainingText(item.remaining_hours, item.overdue);
  return h('p', { class: ['fb-remaining', item.overdue && 'overdue'], text: s('due', { text: text[0].toLowerCase() + text.slice(1) }) });
}

// A text naming a tracking code, the code kept on one line ("GP-26-000037" never splits at its hyphens).
const withCode = (text, code) => text.split(code).flatMap((part, i) => (i ? [h('span', { class: 'mono nowrap', text: code }), part] : [part]));

function badge(status) {
  return h('span', { class: ['badge', `fb-${status}`], text: label('fb', status) });
}

function nav() {
  return h(
    'nav',
    { class: 'fb-nav', 'aria-label': s('nav_mine') },
    h('a', { href: '#/', text: s('nav_home') }),
    h('a', { href: '#/phan-anh/moi', text: s('nav_new') }),
    h('a', { href: '#/phan-anh', text: s('nav_mine') }),
    h('a', { href: '#/cong-dong', text: s('nav_public') }),
  );
}

function field(id, text, input, hint) {
  return h('div', { class: 'field' }, h('label', { for: id, text }), hint ? h('span', { class: 'hint', text: hint }) : null, input);
}

function alertBox() {
  return h('div', { class: 'alert', hidden: true, tabindex: '-1' });
}

function options(placeholder, list) {
  return [h('option', { value: '', text: placeholder }), list.map(([value, text]) => h('option', { value, text }))];
}

/** Draw the view the hash names (#/phan-anh, #/phan-anh/moi, #/phan-anh/<id>, #/cong-dong, #/cong-dong/<id>). */
export async function render(view, ctx) {
  const [area, id] = ctx.hash.replace(/^#\//, '').split('/');
  fill(view, nav(), h('p', { class: 'muted', text: s('loading') }));
  try {
    await loadFields(ctx);
    if (area === 'cong-dong') await (id ? publicItem(view, ctx, id) : community(view, ctx));
    else if (id === 'moi') newFeedback(view, ctx);
    else if (id) await mine(view, ctx, decodeURIComponent(id));
    else await myList(view, ctx);
  } catch (error) {
    const box = alertBox();
    fill(view, nav(), box);
    if (error.status !== 401) showError(box, null, error);
  }
}

// ---------------------------------------------------------------- sending

/** JPEGs are always re-encoded (drops EXIF: GPS position, camera) and large photos downscaled; else as picked. */
async function prepare(file) {
  if (file.type !== 'image/jpeg' && file.size <= 1024 * 1024) return file;
  try {
    const bitmap = await createImageBitmap(file);
    const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
    const canvas = h('canvas', { width: Math.round(bitmap.width * scale), height: Math.round(bitmap.height * scale) });
    canvas.getContext('2d').drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    bitmap.close();
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.85));
    if (blob && (file.type === 'image/jpeg' || blob.size < file.size)) return blob;
  } catch {
    // Not decodable here: send the file as it is; the server checks it.
  }
  return file;
}

function put(ticket, blob, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(ticket.method || 'PUT', ticket.url);
    for (const [name, value] of Object.entries(ticket.headers || {})) {
      if (!/^(content-length|host)$/i.test(name)) xhr.setRequestHeader(name, value);
    }
    xhr.upload.addEventListener('progress', (e) => e.lengthComputable && onProgress(e.loaded / e.total));
    xhr.addEventListener('load', () =>
      xhr.status >= 200 && xhr.status < 300 ? resolve() : reject(new Error(s('upload_failed', { status: xhr.status }))),
    );
    xhr.addEventListener('error', () => reject(new Error(s('upload_network'))));
    xhr.send(blob);
  });
}

function newFeedback(view, ctx) {
  // One key per form fill: a double tap or a retry after a dropped answer creates one record.
  const state = { key: randomId(), photos: [], location: null, sending: false };
  const box = alertBox();
  const photoInput = h('input', { id: 'fb-photos', name: 'photos', type: 'file', multiple: true, accept: TYPES.join(',') });
  const photoList = h('ul', { class: 'photo-list', id: 'fb-photo-list' });
  const photoErrors = h('div', { id: 'fb-photo-errors', role: 'alert', class: 'photo-errors' });
  const where = h('span', { class: 'hint', id: 'fb-location' });
  const submit = h('button', { type: 'submit', class: 'btn btn-block', id: 'fb-submit', text: s('submit') });
  const hamlets = (ctx.commune.hamlets || []).map((hm) => [hm.id, hm.name]);
  const form = h(
    'form',
    { id: 'fb-form', novalidate: true },
    field('fb-field', s('field'), h('select', { id: 'fb-field', name: 'field_code', required: true }, options(s('choose_field'), fields.map((f) => [f.code, fieldName(f.code)])))),
    field('fb-title', s('title'), h('input', { id: 'fb-title', name: 'title', type: 'text', required: true, maxlength: 150 })),
    field('fb-description', s('description'), h('textarea', { id: 'fb-description', name: 'description', required: true, maxlength: 4000, rows: 5 }), s('description_hint')),
    field('fb-hamlet', s('hamlet'), h('select', { id: 'fb-hamlet', name: 'hamlet_id', required: true }, options(s('choose_hamlet'), hamlets))),
    h('div', { class: 'field' }, h('button', { type: 'button', class: 'btn btn-secondary btn-small', id: 'fb-locate', text: s('locate'), on: { click: locate } }), where),
    field('fb-photos', s('photos'), photoInput, s('photos_hint')),
    photoErrors,
    photoList,
    h('div', { class: 'field check' }, h('input', { type: 'checkbox', id: 'fb-anonymous', name: 'anonymous_public', value: 'yes' }), h('label', { for: 'fb-anonymous', text: s('anonymous') })),
    h('div', { class: 'actions' }, submit),
  );
  fill(view, nav(), h('div', { class: 'card' }, h('h1', { text: s('new_title') }), box, form));
  // Each field's rule; a field marked wrong loses its message as soon as it is right, not at the next submit.
  const checks = {
    field_code: (v) => !v.field_code && s('need_field'),
    title: (v) => (v.title.length < 5 || v.title.length > 150) && s('need_title'),
    description: (v) => (v.description.length < 10 || v.description.length > 4000) && s('need_description'),
    hamlet_id: (v) => !v.hamlet_id && s('need_hamlet'),
  };
  const recheck = ({ target }) => {
    const check = checks[target.name];
    if (!check || target.getAttribute('aria-invalid') !== 'true' || check(formValues(form))) return;
    target.removeAttribute('aria-invalid');
    target.removeAttribute('aria-describedby');
    document.getElementById(`${form.id}-${target.name}-error`)?.remove();
  };
  form.addEventListener('input', recheck);
  form.addEventListener('change', recheck);

  function locate(event) {
    const button = event.currentTarget;
    if (!navigator.geolocation) return fill(where, s('no_location'));
    fill(where, s('locating'));
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(
      (position) => {
        button.disabled = false;
        state.location = { lat: Number(position.coords.latitude.toFixed(6)), lon: Number(position.coords.longitude.toFixed(6)) };
        fill(where, s('located', state.location), ' ', h('button', { type: 'button', class: 'btn btn-secondary btn-small', text: s('remove_location'), on: { click: () => ((state.location = null), fill(where)) } }));
      },
      () => {
        button.disabled = false;
        fill(where, s('no_location'));
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
    );
  }

  function drawPhotos() {
    fill(
      photoList,
      state.photos.map((photo) =>
        h(
          'li',
          {},
          h('img', { src: photo.preview, alt: '', width: 56, height: 56 }),
          h('span', { class: 'photo-name', text: `${photo.file.name} · ${fileSize(photo.file.size)}` }),
          photo.status,
          photo.bar,
          h('button', { type: 'button', class: 'btn btn-secondary btn-small', text: s('remove'), 'aria-label': `${s('remove')}: ${photo.file.name}`, disabled: state.sending, on: { click: () => removePhoto(photo) } }),
        ),
      ),
    );
  }

  function removePhoto(photo) {
    URL.revokeObjectURL(photo.preview);
    state.photos = state.photos.filter((p) => p !== photo);
    drawPhotos();
  }

  photoInput.addEventListener('change', () => {
    const problems = [];
    for (const file of photoInput.files) {
      if (!TYPES.includes(file.type)) problems.push(s('bad_type', { name: file.name }));
      else if (file.size > MAX_BYTES) problems.push(s('too_big', { name: file.name, size: fileSize(file.size) }));
      else if (state.photos.length >= MAX_PHOTOS) problems.push(s('too_many'));
      else {
        state.photos.push({
          file,
          preview: URL.createObjectURL(file),
          status: h('span', { class: 'photo-status', text: s('waiting') }),
          bar: h('progress', { max: 1, value: 0, hidden: true }),
          uploadId: null,
        });
      }
    }
    photoInput.value = '';
    fill(photoErrors, [...new Set(problems)].map((text) => h('p', { class: 'field-error', text })));
    drawPhotos();
  });

  async function upload(photo) {
    fill(photo.status, s('uploading'));
    photo.bar.hidden = false;
    try {
      const blob = await prepare(photo.file);
      const ticket = await ctx.api.call('POST', '/feedback/uploads', { body: { content_type: blob.type, size_bytes: blob.size } });
      await put(ticket, blob, (fraction) => (photo.bar.value = fraction));
      photo.uploadId = ticket.upload_id;
      photo.bar.value = 1;
      fill(photo.status, s('uploaded'));
    } catch (error) {
      photo.status.classList.add('field-error');
      fill(photo.status, error.message);
      throw error;
    }
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (state.sending) return; // a second tap while the first is on its way
    clearProblems(form, box);
    const v = formValues(form);
    const problems = Object.keys(checks).map((name) => [name, checks[name](v)]).filter(([, message]) => message);
    if (problems.length) {
      for (const [name, message] of problems) fieldProblem(form, name, message);
      $('[aria-invalid="true"]', form).focus();
      return;
    }
    state.sending = true;
    drawPhotos();
    try {
      const created = await busy(submit, s('sending'), async () => {
        for (const photo of state.photos) if (!photo.uploadId) await upload(photo);
        const body = {
          field_code: v.field_code,
          title: v.title,
          description: v.description,
          hamlet_id: v.hamlet_id,
          upload_ids: state.photos.map((p) => p.uploadId),
          anonymous_public: Boolean(v.anonymous_public),
        };
        if (state.location) body.location = state.location;
        return ctx.api.call('POST', '/feedback', { body, headers: { 'Idempotency-Key': state.key } });
      });
      sent(created);
    } catch (error) {
      if (error.status !== 401) showError(box, form, error);
      box.focus();
    } finally {
      state.sending = false;
      if (form.isConnected) drawPhotos();
    }
  });

  function sent(created) {
    for (const photo of state.photos) URL.revokeObjectURL(photo.preview);
    const done = alertBox();
    fill(view, nav(), h('div', { class: 'card' }, h('h1', { text: s('new_title') }), done));
    notify(
      done,
      'success',
      h('p', { id: 'fb-sent' }, withCode(s('sent', { code: created.tracking_code }), created.tracking_code)),
      h(
        'p',
        { class: 'actions' },
        h('a', { class: 'btn', href: `#/phan-anh/${encodeURIComponent(created.id)}`, text: s('view_it') }),
        h('a', { class: 'btn btn-secondary', href: '#/phan-anh/moi', text: s('send_another'), on: { click: () => render(view, { ...ctx, hash: '#/phan-anh/moi' }) } }),
      ),
    );
    done.focus();
  }
}

// ---------------------------------------------------------------- my feedback

function summary(item, href, ctx) {
  const open = OPEN.includes(item.status);
  return h(
    'li',
    { class: 'fb-item', dataset: { id: item.id } },
    h('h3', {}, h('a', { href, text: item.title })),
    h(
      'p',
      { class: 'fb-meta' },
      badge(item.status),
      ' ',
      item.tracking_code ? h('span', { class: 'mono nowrap', text: item.tracking_code }) : null,
      ` · ${fieldName(item.field_code || item.field)} · ${hamletName(ctx, item.hamlet_id || item.hamlet)} · ${formatDate(item.created_at)}`,
    ),
    open ? due(item) : null,
    score(item) ? h('p', { class: 'stars', text: stars(score(item)), 'aria-label': s('star_n', { n: score(item) }) }) : null,
  );
}

async function pagedList(view, ctx, { title, id, path, query, empty, href, before }) {
  const list = h('ul', { class: 'fb-list', id });
  const none = h('p', { class: 'muted', text: empty, hidden: true });
  const more = h('button', { type: 'button', class: 'btn btn-secondary', hidden: true, text: s('more') });
  const box = alertBox();
  fill(view, nav(), h('h1', { text: title }), before || null, box, list, none, h('div', { class: 'actions' }, more));
  let cursor = null;
  let latest = 0; // filters may change while a page is on its way: only the newest answer is drawn
  const load = async (reset) => {
    const mine = ++latest;
    try {
      const page = await ctx.api.call('GET', path, { query: { ...(query ? query() : {}), cursor: reset ? null : cursor } });
      if (mine !== latest) return;
      if (reset) list.replaceChildren();
      for (const item of page.items || []) list.append(summary(item, href(item), ctx));
      cursor = page.next_cursor || null;
      more.hidden = !cursor;
      none.hidden = list.children.length > 0;
    } catch (error) {
      if (error.status !== 401) showError(box, null, error);
    }
  };
  more.addEventListener('click', () => busy(more, s('loading'), () => load(false)));
  await load(true);
  return () => load(true);
}

function myList(view, ctx) {
  return pagedList(view, ctx, {
    title: s('mine_title'),
    id: 'fb-mine',
    path: '/me/feedback',
    empty: s('none_mine'),
    href: (item) => `#/phan-anh/${encodeURIComponent(item.id)}`,
  });
}

function facts(item, ctx) {
  return h(
    'p',
    { class: 'fb-meta' },
    badge(item.status),
    ' ',
    item.tracking_code ? h('span', {}, withCode(s('code', { code: item.tracking_code }), item.tracking_code)) : null,
    h('br'),
    `${fieldName(item.field_code || item.field)} · ${hamletName(ctx, item.hamlet_id || item.hamlet)} · ${s('sent_on', { date: formatDate(item.created_at) })}`,
  );
}

function photos(item) {
  const list = (item.photos || []).map((p) => (typeof p === 'string' ? p : p.url)).filter(Boolean);
  return list.length ? h('div', { class: 'photos' }, list.map((url) => h('a', { href: url, target: '_blank', rel: 'noopener' }, h('img', { src: url, alt: '', loading: 'lazy' })))) : null;
}

function outcome(item) {
  return [
    item.result ? h('div', { class: 'fb-result' }, h('h2', { text: s('result') }), h('p', { text: item.result })) : null,
    item.rejection_reason ? h('div', { class: 'fb-result bad' }, h('h2', { text: s('rejected') }), h('p', { text: item.rejection_reason })) : null,
    item.duplicate_of ? h('p', { class: 'fb-result', text: s('duplicate', { code: item.duplicate_of }) }) : null,
  ];
}

async function mine(view, ctx, id) {
  const item = await ctx.api.call('GET', `/feedback/${encodeURIComponent(id)}`);
  const again = () => mine(view, ctx, id);
  const open = OPEN.includes(item.status);
  fill(
    view,
    nav(),
    h(
      'article',
      { class: 'card', id: 'fb-detail' },
      h('h1', { text: item.title }),
      facts(item, ctx),
      open ? due(item) : null,
      h('p', { class: 'fb-text', text: item.description }),
      item.location ? h('p', { class: 'muted', text: `${s('location')}: ${item.location.lat}, ${item.location.lon}` }) : null,
      photos(item),
      outcome(item),
    ),
    rating(item, ctx, again),
    timeline(item),
    comments(item, ctx, again),
  );
}

function timeline(item) {
  const entries = item.timeline || [];
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'fb-tl-title' },
    h('h2', { id: 'fb-tl-title', text: s('timeline') }),
    h(
      'ol',
      { class: 'timeline', id: 'fb-timeline' },
      entries.map((entry) =>
        h('li', {}, h('span', { class: 'when', text: formatDateTime(entry.at) }), ' ', badge(entry.status), entry.note ? h('p', { text: entry.note }) : null),
      ),
    ),
  );
}

function comments(item, ctx, again) {
  const box = alertBox();
  const form = h(
    'form',
    { id: 'fb-comment-form', novalidate: true },
    field('fb-comment', s('comment_label'), h('textarea', { id: 'fb-comment', name: 'body', maxlength: 2000, rows: 3 })),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn', text: s('comment_send') })),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearProblems(form, box);
    const { body } = formValues(form);
    if (!body) return fieldProblem(form, 'body', s('need_comment'));
    try {
      await busy($('button', form), s('sending'), () => ctx.api.call('POST', `/feedback/${encodeURIComponent(item.id)}/comments`, { body: { body } }));
      await again();
    } catch (error) {
      if (error.status !== 401) showError(box, form, error);
    }
  });
  const list = (item.comments || []).filter((c) => !c.hidden);
  return h(
    'section',
    { class: 'card', 'aria-labelledby': 'fb-c-title' },
    h('h2', { id: 'fb-c-title', text: s('comments') }),
    list.length
      ? h(
          'ul',
          { class: 'comments', id: 'fb-comments' },
          list.map((c) =>
            h('li', { class: c.author === 'citizen' ? 'mine' : 'commune' }, h('span', { class: 'who', text: `${c.author === 'citizen' ? s('you') : c.author_label || s('commune')} · ${formatDateTime(c.created_at)}` }), h('p', { text: c.body })),
          ),
        )
      : h('p', { class: 'muted', text: s('no_comments') }),
    box,
    form,
  );
}

function rating(item, ctx, again) {
  if (item.rating?.stars) {
    return h('section', { class: 'card', id: 'fb-rating' }, h('p', {}, s('rated', { stars: '' }), h('span', { class: 'stars', text: stars(item.rating.stars), 'aria-label': s('star_n', { n: item.rating.stars }) })), item.rating.comment ? h('p', { class: 'muted', text: item.rating.comment }) : null);
  }
  if (!RATEABLE.includes(item.status)) return null;
  const box = alertBox();
  const form = h(
    'form',
    { id: 'fb-rate-form', novalidate: true },
    h(
      'fieldset',
      { class: 'star-pick' },
      h('legend', { text: s('stars') }),
      [1, 2, 3, 4, 5].map((n) => h('label', {}, h('input', { type: 'radio', name: 'stars', value: n }), h('span', { text: `${n} ★`, 'aria-label': s('star_n', { n }) }))),
    ),
    field('fb-rate-comment', s('rate_comment'), h('textarea', { id: 'fb-rate-comment', name: 'comment', maxlength: 1000, rows: 2 })),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn', text: s('rate_send') })),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearProblems(form, box);
    const v = formValues(form);
    if (!v.stars) return notify(box, 'error', s('need_stars'));
    const body = { stars: Number(v.stars) };
    if (v.comment) body.comment = v.comment;
    try {
      await busy($('button[type="submit"]', form), s('sending'), () => ctx.api.call('POST', `/feedback/${encodeURIComponent(item.id)}/rating`, { body }));
      await again();
    } catch (error) {
      if (error.status !== 401) showError(box, form, error);
    }
  });
  return h('section', { class: 'card', id: 'fb-rating' }, h('h2', { text: s('rate_title') }), box, form);
}

// ---------------------------------------------------------------- community (published, no personal data)

async function community(view, ctx) {
  const hamlets = (ctx.commune.hamlets || []).map((hm) => [hm.id, hm.name]);
  const filter = h(
    'form',
    { id: 'fb-filter', class: 'card', role: 'search', novalidate: true },
    field('fb-q', s('search'), h('input', { id: 'fb-q', name: 'q', type: 'search', maxlength: 100, placeholder: s('search_hint') })),
    field('fb-f-field', s('field'), h('select', { id: 'fb-f-field', name: 'field' }, options(s('all_fields'), fields.map((f) => [f.code, fieldName(f.code)])))),
    field('fb-f-hamlet', s('hamlet'), h('select', { id: 'fb-f-hamlet', name: 'hamlet' }, options(s('all_hamlets'), hamlets))),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn', id: 'fb-find', text: s('find') })),
  );
  const reload = await pagedList(view, ctx, {
    title: s('public_title'),
    id: 'fb-public',
    path: `/communes/${encodeURIComponent(ctx.communeId)}/feedback`,
    query: () => formValues(filter),
    empty: s('none_public'),
    href: (item) => `#/cong-dong/${encodeURIComponent(item.id)}`,
    before: filter,
  });
  filter.addEventListener('submit', (event) => {
    event.preventDefault();
    busy($('#fb-find'), s('loading'), reload);
  });
  for (const select of filter.querySelectorAll('select')) select.addEventListener('change', reload);
}

async function publicItem(view, ctx, id) {
  const item = await ctx.api.call('GET', `/communes/${encodeURIComponent(ctx.communeId)}/feedback/${encodeURIComponent(id)}`);
  fill(
    view,
    nav(),
    h(
      'article',
      { class: 'card', id: 'fb-public-detail' },
      h('h1', { text: item.title }),
      facts(item, ctx),
      h('p', { class: 'fb-text', text: item.description }),
      photos(item),
      outcome(item),
      score(item) ? h('p', {}, s('rating_avg', { stars: '' }), h('span', { class: 'stars', text: stars(score(item)), 'aria-label': s('star_n', { n: score(item) }) })) : null,
    ),
  );
}
