// The commune website for staff (loaded on demand by admin.js at #/site): news with its editorial workflow
// (authors: culture, office; reviewer: admin), the officials' directory (office, admin), OCOP products and
// agri-tourism places with photos (office, admin, culture). The API checks every rule; the page only offers what
// the caller's roles may do.
import { busy, clearProblems, fill, formatDate, formatDateTime, formValues, h, notify, randomId, showError } from '/shared/sc.js';

const STATUS = { draft: 'Bản nháp', in_review: 'Chờ duyệt', published: 'Đã đăng', unpublished: 'Đã gỡ', archived: 'Lưu trữ' };
const BADGE = { draft: '', in_review: 'badge-locked', published: 'badge-ok', unpublished: 'badge-bad', archived: '' };
// Workflow steps: label, who (authors / reviewer), whether a reason is asked for.
const STEPS = {
  submit: ['Gửi duyệt', 'author', false],
  publish: ['Duyệt đăng', 'reviewer', false],
  return: ['Trả lại để sửa', 'reviewer', true],
  unpublish: ['Gỡ bài', 'reviewer', true],
  reopen: ['Mở lại để sửa', 'author', false],
  archive: ['Lưu trữ', 'reviewer', false],
};
const FROM = { draft: ['submit', 'archive'], in_review: ['publish', 'return'], published: ['unpublish', 'archive'], unpublished: ['publish', 'reopen', 'archive'], archived: [] };
const ACTION = { create: 'Tạo bản nháp', edit: 'Sửa', submit: 'Gửi duyệt', publish: 'Duyệt đăng', return: 'Trả lại', unpublish: 'Gỡ bài', reopen: 'Mở lại', archive: 'Lưu trữ' };

const has = (ctx, roles) => ctx.me.roles.some((r) => roles.includes(r));
const field = (id, text, control, hint) => h('div', { class: 'field' }, h('label', { for: id, text }), control, hint ? h('span', { class: 'hint', text: hint }) : null);
const input = (id, name, value, attrs = {}) => h('input', { id, name, value: value ?? '', ...attrs });

function apiError(box, form, error) {
  showError(box, form, error);
  if (error.messageEn) box.append(h('p', { class: 'muted', lang: 'en', text: error.messageEn }));
}

export async function render(section, ctx) {
  const tabs = [];
  if (has(ctx, ['admin', 'office', 'culture'])) tabs.push(['news', 'Tin bài', drawNews]);
  if (has(ctx, ['admin', 'office'])) tabs.push(['directory', 'Danh bạ cán bộ', drawDirectory]);
  if (has(ctx, ['admin', 'office', 'culture'])) tabs.push(['places', 'Sản phẩm OCOP, điểm du lịch', drawPlaces]);
  const cards = tabs.map(([id, title]) => h('section', { class: 'card', id: `site-${id}`, 'aria-labelledby': `site-${id}-title` }, h('h2', { id: `site-${id}-title`, text: title })));
  const publicLink = h('a', { href: `/site/?xa=${encodeURIComponent(ctx.me.commune_id)}`, target: '_blank', rel: 'noopener', text: 'Xem trang công khai' });
  fill(section, h('h1', { text: 'Trang thông tin điện tử' }), h('p', {}, publicLink), cards);
  await Promise.all(tabs.map(([, , draw], i) => draw(cards[i], ctx)));
}

// ---------------------------------------------------------------- news

async function drawNews(card, ctx) {
  const author = has(ctx, ['culture', 'office']);
  const box = h('div', { class: 'alert', hidden: true, id: 'sn-alert' });
  const status = h('select', { id: 'sn-status', name: 'status' }, h('option', { value: '', text: 'Mọi trạng thái' }), Object.entries(STATUS).map(([v, t]) => h('option', { value: v, text: t })));
  const rows = h('tbody', { id: 'sn-rows' });
  const editor = h('div', { id: 'sn-editor' });
  const newButton = author ? h('button', { type: 'button', class: 'btn', id: 'sn-new', text: 'Viết bài mới' }) : null;
  card.append(h('div', { class: 'filter' }, field('sn-status', 'Trạng thái', status), newButton), box, h('table', { class: 'cards', id: 'sn-table' }, h('thead', {}, h('tr', {}, ['Tiêu đề', 'Trạng thái', 'Người viết', 'Cập nhật'].map((x) => h('th', { scope: 'col', text: x })))), rows), editor);
  const load = async () => {
    try {
      const page = await ctx.api.call('GET', '/site/articles', { query: { status: status.value, limit: 50 } });
      fill(rows, (page.items || []).map((a) => h('tr', { dataset: { id: a.id } },
        h('td', { 'data-label': 'Tiêu đề' }, h('button', { type: 'button', class: 'btn-link', text: a.title, on: { click: () => open(a.id) } })),
        h('td', { 'data-label': 'Trạng thái' }, h('span', { class: ['badge', BADGE[a.status]], text: STATUS[a.status] })),
        h('td', { 'data-label': 'Người viết', text: a.author_name }),
        h('td', { 'data-label': 'Cập nhật', text: formatDateTime(a.updated_at) }))));  // prettier-ignore
    } catch (error) {
      if (error.status !== 401) apiError(box, null, error);
    }
  };
  const open = async (id) => {
    try {
      drawArticle(editor, ctx, await ctx.api.call('GET', `/site/articles/${encodeURIComponent(id)}`), load);
    } catch (error) {
      if (error.status !== 401) apiError(box, null, error);
    }
  };
  status.addEventListener('change', load);
  if (newButton) newButton.addEventListener('click', () => drawArticle(editor, ctx, null, load));
  await load();
}

function drawArticle(editor, ctx, article, reload) {
  const author = has(ctx, ['culture', 'office']);
  const reviewer = has(ctx, ['admin']);
  const editable = author && (!article || article.status === 'draft');
  const box = h('div', { class: 'alert', hidden: true, id: 'sa-alert' });
  const form = h('form', { id: 'sa-form', novalidate: true },
    field('sa-title', 'Tiêu đề', input('sa-title', 'title', article?.title, { maxlength: 200, required: true, disabled: !editable })),
    field('sa-summary', 'Tóm tắt', h('textarea', { id: 'sa-summary', name: 'summary', rows: 2, maxlength: 500, disabled: !editable, value: article?.summary || '' })),
    field('sa-body', 'Nội dung', h('textarea', { id: 'sa-body', name: 'body', rows: 10, maxlength: 20000, disabled: !editable, value: article?.body || '' }), 'Để một dòng trống giữa các đoạn.'),
    editable ? h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn', id: 'sa-save', text: article ? 'Lưu bản nháp' : 'Tạo bản nháp' })) : null);  // prettier-ignore
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearProblems(form, box);
    const values = formValues(form);
    const body = { title: values.title, summary: values.summary, body: values.body };
    try {
      const saved = await busy(document.getElementById('sa-save'), 'Đang lưu…', () =>
        article
          ? ctx.api.call('PUT', `/site/articles/${encodeURIComponent(article.id)}`, { body: { ...body, version: article.version } })
          : ctx.api.call('POST', '/site/articles', { body, headers: { 'Idempotency-Key': randomId() } }),
      );
      drawArticle(editor, ctx, saved, reload);
      notify(document.getElementById('sa-alert'), 'success', 'Đã lưu bản nháp.');
      await reload();
    } catch (error) {
      if (error.status !== 401) apiError(box, form, error);
    }
  });
  const note = h('input', { id: 'sa-note', name: 'note', maxlength: 500, placeholder: 'Lý do (khi trả lại hoặc gỡ bài)' });
  const steps = article ? (FROM[article.status] || []).filter((a) => (STEPS[a][1] === 'author' ? author : reviewer)) : [];
  const buttons = steps.map((action) => h('button', { type: 'button', class: action === 'publish' || action === 'submit' ? 'btn' : 'btn btn-secondary', id: `sa-${action}`, text: STEPS[action][0], on: { click: (e) => step(e.target, action) } }));
  const step = async (button, action) => {
    clearProblems(null, box);
    const body = { action, version: article.version };
    if (note.value.trim()) body.note = note.value.trim();
    try {
      const moved = await busy(button, 'Đang lưu…', () => ctx.api.call('POST', `/site/articles/${encodeURIComponent(article.id)}/transitions`, { body }));
      drawArticle(editor, ctx, moved, reload);
      notify(document.getElementById('sa-alert'), 'success', `Bài viết: ${STATUS[moved.status]}.`);
      await reload();
    } catch (error) {
      if (error.status !== 401) apiError(box, null, error);
    }
  };
  const history = article ? h('ol', { class: 'muted', id: 'sa-history' }, (article.history || []).map((e) => h('li', { text: `${formatDateTime(e.at)} — ${ACTION[e.action] || e.action} — ${e.by_name}${e.note ? `: ${e.note}` : ''}` }))) : null;
  const publicLink = article?.status === 'published' ? h('p', {}, 'Địa chỉ công khai: ', h('a', { href: `/site/?xa=${encodeURIComponent(ctx.me.commune_id)}#/tin-tuc/${encodeURIComponent(article.slug)}`, target: '_blank', rel: 'noopener', text: article.slug })) : null;
  fill(editor,
    h('h3', { text: article ? `${article.title} — ${STATUS[article.status]}` : 'Bài viết mới' }),
    article?.published_at ? h('p', { class: 'muted', text: `Đăng ngày ${formatDate(article.published_at)}` }) : null,
    box, form, publicLink,
    buttons.length ? h('div', { class: 'actions' }, steps.some((a) => STEPS[a][2]) ? field('sa-note', 'Lý do', note) : null, buttons) : null,
    history);  // prettier-ignore
  editor.scrollIntoView({ block: 'nearest' });
}

// ---------------------------------------------------------------- directory

async function drawDirectory(card, ctx) {
  const box = h('div', { class: 'alert', hidden: true, id: 'sd-alert' });
  const rows = h('tbody', { id: 'sd-rows' });
  const editor = h('div', { id: 'sd-editor' });
  card.append(h('button', { type: 'button', class: 'btn', id: 'sd-new', text: 'Thêm cán bộ', on: { click: () => edit(null) } }), box,
    h('table', { class: 'cards', id: 'sd-table' }, h('thead', {}, h('tr', {}, ['Họ và tên', 'Chức vụ', 'Điện thoại', 'Thư điện tử', 'Công khai'].map((x) => h('th', { scope: 'col', text: x })))), rows), editor);  // prettier-ignore
  const load = async () => {
    try {
      const page = await ctx.api.call('GET', '/site/officials', { query: { limit: 100 } });
      fill(rows, (page.items || []).map((o) => h('tr', {},
        h('td', { 'data-label': 'Họ và tên' }, h('button', { type: 'button', class: 'btn-link', text: o.full_name, on: { click: () => edit(o) } })),
        h('td', { 'data-label': 'Chức vụ', text: o.position }),
        h('td', { class: 'mono nowrap', 'data-label': 'Điện thoại', text: (o.work_phone || '').replace(/^\+84/, '0') }),
        h('td', { 'data-label': 'Thư điện tử', text: o.work_email || '' }),
        h('td', { 'data-label': 'Công khai', text: o.published ? 'Có' : 'Chưa' }))));  // prettier-ignore
    } catch (error) {
      if (error.status !== 401) apiError(box, null, error);
    }
  };
  const edit = (o) => {
    const alert = h('div', { class: 'alert', hidden: true, id: 'so-alert' });
    const form = h('form', { id: 'so-form', novalidate: true },
      field('so-full_name', 'Họ và tên', input('so-full_name', 'full_name', o?.full_name, { maxlength: 100 })),
      field('so-position', 'Chức vụ', input('so-position', 'position', o?.position, { maxlength: 120 })),
      field('so-unit', 'Đơn vị', input('so-unit', 'unit', o?.unit, { maxlength: 120 })),
      field('so-work_phone', 'Điện thoại công vụ', input('so-work_phone', 'work_phone', (o?.work_phone || '').replace(/^\+84/, '0'), { type: 'tel', maxlength: 20 }), 'Di động hoặc máy bàn có mã vùng'),
      field('so-work_email', 'Thư điện tử công vụ', input('so-work_email', 'work_email', o?.work_email, { type: 'email', maxlength: 120 })),
      field('so-rank', 'Thứ tự hiển thị', input('so-rank', 'rank', o?.rank ?? 100, { type: 'number', min: 0, max: 9999 })),
      o?.photo_url ? h('p', {}, h('img', { src: o.photo_url, alt: '', width: 96, id: 'so-photo' })) : null,
      field('so-file', o?.photo_url ? 'Đổi ảnh (không bắt buộc)' : 'Ảnh (không bắt buộc)', h('input', { type: 'file', id: 'so-file', accept: 'image/jpeg,image/png,image/webp' })),
      o?.photo_url ? h('div', { class: 'field check' }, h('input', { type: 'checkbox', id: 'so-remove_photo', name: 'remove_photo', value: 'true' }), h('label', { for: 'so-remove_photo', text: 'Bỏ ảnh' })) : null,
      h('div', { class: 'field check' }, h('input', { type: 'checkbox', id: 'so-published', name: 'published', value: 'true', checked: o ? o.published : true }), h('label', { for: 'so-published', text: 'Công khai trên trang thông tin' })),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn', id: 'so-save', text: 'Lưu' }),
        o ? h('button', { type: 'button', class: 'btn btn-danger', id: 'so-delete', text: 'Xóa khỏi danh bạ', on: { click: (e) => remove(e.target) } }) : null));  // prettier-ignore
    const remove = async (button) => {
      if (!window.confirm(`Xóa ${o.full_name} khỏi danh bạ?`)) return;
      try {
        await busy(button, 'Đang xóa…', () => ctx.api.call('DELETE', `/site/officials/${encodeURIComponent(o.id)}`, { query: { version: o.version } }));
        editor.replaceChildren();
        await load();
      } catch (error) {
        if (error.status !== 401) apiError(alert, form, error);
      }
    };
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      clearProblems(form, alert);
      const v = formValues(form);
      const body = { full_name: v.full_name, position: v.position, unit: v.unit, work_phone: v.work_phone || null, work_email: v.work_email || null, rank: Number(v.rank || 100), published: Boolean(v.published) };
      try {
        await busy(document.getElementById('so-save'), 'Đang lưu…', async () => {
          const chosen = document.getElementById('so-file').files[0];
          if (chosen) body.photo_upload_id = await uploadPhoto(ctx, chosen);
          if (o) return ctx.api.call('PUT', `/site/officials/${encodeURIComponent(o.id)}`, { body: { ...body, remove_photo: Boolean(v.remove_photo), version: o.version } });
          return ctx.api.call('POST', '/site/officials', { body, headers: { 'Idempotency-Key': randomId() } });
        });
        editor.replaceChildren();
        notify(box, 'success', `Đã lưu: ${body.full_name}.`);
        await load();
      } catch (error) {
        if (error.status !== 401) apiError(alert, form, error);
      }
    });
    fill(editor, h('h3', { text: o ? o.full_name : 'Cán bộ mới' }), alert, form);
  };
  await load();
}

// ---------------------------------------------------------------- places

/** Upload one photo with a ticket (a presigned PUT on /media/…); the server checks and strips it when it is kept. */
async function uploadPhoto(ctx, file) {
  const ticket = await ctx.api.call('POST', '/site/uploads', { body: { content_type: file.type, size_bytes: file.size } });
  const response = await fetch(ticket.url, { method: 'PUT', headers: { 'Content-Type': ticket.headers['Content-Type'] }, body: file, credentials: 'same-origin' });
  if (!response.ok) throw new Error(`Tải ảnh lên không thành công (mã ${response.status}).`);
  return ticket.upload_id;
}

async function drawPlaces(card, ctx) {
  const box = h('div', { class: 'alert', hidden: true, id: 'sp-alert' });
  const rows = h('tbody', { id: 'sp-rows' });
  const editor = h('div', { id: 'sp-editor' });
  card.append(h('button', { type: 'button', class: 'btn', id: 'sp-new', text: 'Thêm sản phẩm, địa điểm', on: { click: () => edit(null) } }), box,
    h('table', { class: 'cards', id: 'sp-table' }, h('thead', {}, h('tr', {}, ['Tên', 'Loại', 'Xóm', 'Ảnh', 'Công khai'].map((x) => h('th', { scope: 'col', text: x })))), rows), editor);  // prettier-ignore
  const load = async () => {
    try {
      const page = await ctx.api.call('GET', '/site/places', { query: { limit: 100 } });
      fill(rows, (page.items || []).map((p) => h('tr', {},
        h('td', { 'data-label': 'Tên' }, h('button', { type: 'button', class: 'btn-link', text: p.name, on: { click: () => edit(p) } })),
        h('td', { 'data-label': 'Loại', text: p.kind === 'ocop' ? `OCOP ${p.ocop_stars ? `${p.ocop_stars}★` : ''}` : 'Du lịch' }),
        h('td', { 'data-label': 'Xóm', text: ctx.hamletNames.get(p.hamlet_id) || '' }),
        h('td', { class: 'num', 'data-label': 'Ảnh', text: String((p.photos || []).length) }),
        h('td', { 'data-label': 'Công khai', text: p.published ? 'Có' : 'Chưa' }))));  // prettier-ignore
    } catch (error) {
      if (error.status !== 401) apiError(box, null, error);
    }
  };
  const edit = (p) => {
    let place = p;
    const alert = h('div', { class: 'alert', hidden: true, id: 'spl-alert' });
    const kind = h('select', { id: 'spl-kind', name: 'kind' }, h('option', { value: 'ocop', text: 'Sản phẩm OCOP' }), h('option', { value: 'tourism', text: 'Điểm du lịch' }));
    kind.value = p?.kind || 'ocop';
    const starsSelect = h('select', { id: 'spl-ocop_stars', name: 'ocop_stars' }, h('option', { value: '', text: '—' }), [3, 4, 5].map((n) => h('option', { value: String(n), text: `${n} sao` })));
    starsSelect.value = p?.ocop_stars ? String(p.ocop_stars) : '';
    const hamlet = h('select', { id: 'spl-hamlet_id', name: 'hamlet_id' }, h('option', { value: '', text: '—' }), (ctx.commune.hamlets || []).map((x) => h('option', { value: x.id, text: x.name })));
    hamlet.value = p?.hamlet_id || '';
    const form = h('form', { id: 'spl-form', novalidate: true },
      field('spl-kind', 'Loại', kind),
      field('spl-name', 'Tên', input('spl-name', 'name', p?.name, { maxlength: 150 })),
      field('spl-product', 'Sản phẩm', input('spl-product', 'product', p?.product, { maxlength: 150 })),
      field('spl-producer', 'Cơ sở sản xuất', input('spl-producer', 'producer', p?.producer, { maxlength: 150 })),
      field('spl-ocop_stars', 'Hạng OCOP', starsSelect),
      field('spl-hamlet_id', 'Xóm', hamlet),
      field('spl-lat', 'Vĩ độ', input('spl-lat', 'lat', p?.location?.lat, { inputmode: 'decimal' })),
      field('spl-lon', 'Kinh độ', input('spl-lon', 'lon', p?.location?.lon, { inputmode: 'decimal' })),
      field('spl-opening_hours', 'Giờ mở cửa', input('spl-opening_hours', 'opening_hours', p?.opening_hours, { maxlength: 200 })),
      field('spl-contact_phone', 'Điện thoại liên hệ', input('spl-contact_phone', 'contact_phone', (p?.contact_phone || '').replace(/^\+84/, '0'), { type: 'tel' })),
      field('spl-description', 'Giới thiệu', h('textarea', { id: 'spl-description', name: 'description', rows: 4, maxlength: 4000, value: p?.description || '' })),
      h('div', { class: 'field check' }, h('input', { type: 'checkbox', id: 'spl-published', name: 'published', value: 'true', checked: Boolean(p?.published) }), h('label', { for: 'spl-published', text: 'Công khai trên trang thông tin' })),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn', id: 'spl-save', text: 'Lưu' })));  // prettier-ignore
    const photos = h('div', { id: 'spl-photos' });
    const drawPhotos = () => {
      if (!place) return fill(photos, h('p', { class: 'muted', text: 'Lưu trước, rồi thêm ảnh.' }));
      const file = h('input', { type: 'file', id: 'spl-file', accept: 'image/jpeg,image/png,image/webp' });
      const caption = input('spl-caption', 'caption', '', { maxlength: 200 });
      const add = h('button', { type: 'button', class: 'btn btn-secondary', id: 'spl-add-photo', text: 'Tải ảnh lên' });
      add.addEventListener('click', () => busy(add, 'Đang tải lên…', async () => {
        const chosen = file.files[0];
        if (!chosen) return;
        clearProblems(null, alert);
        try {
          const uploadId = await uploadPhoto(ctx, chosen);
          place = await ctx.api.call('POST', `/site/places/${encodeURIComponent(place.id)}/photos`, { body: { upload_id: uploadId, caption: caption.value.trim() || null, version: place.version } });
          drawPhotos();
          await load();
        } catch (error) {
          if (error.status !== 401) apiError(alert, null, error);
        }
      }));  // prettier-ignore
      fill(photos, h('h4', { text: 'Ảnh (thông tin vị trí GPS trong ảnh được xóa khi lưu)' }),
        h('div', { class: 'photo-row' }, (place.photo_views || []).map((v) => h('figure', {}, h('img', { src: v.url, alt: v.caption || '', width: 160 }), h('figcaption', { text: v.caption || '' }),
          h('button', { type: 'button', class: 'btn btn-secondary btn-small', text: 'Bỏ ảnh', on: { click: (e) => removePhoto(e.target, v.id) } })))),
        field('spl-file', 'Chọn ảnh (JPEG, PNG, WebP; tối đa 5 MB)', file), field('spl-caption', 'Chú thích', caption), add);  // prettier-ignore
      return photos;
    };
    const removePhoto = (button, photoId) => busy(button, 'Đang lưu…', async () => {
      try {
        place = await ctx.api.call('DELETE', `/site/places/${encodeURIComponent(place.id)}/photos/${encodeURIComponent(photoId)}`, { query: { version: place.version } });
        drawPhotos();
        await load();
      } catch (error) {
        if (error.status !== 401) apiError(alert, null, error);
      }
    });  // prettier-ignore
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      clearProblems(form, alert);
      const v = formValues(form);
      const body = { kind: v.kind, name: v.name, product: v.product || null, producer: v.producer || null, ocop_stars: v.ocop_stars ? Number(v.ocop_stars) : null, hamlet_id: v.hamlet_id || null,
        location: v.lat && v.lon ? { lat: Number(v.lat), lon: Number(v.lon) } : null, opening_hours: v.opening_hours || null, contact_phone: v.contact_phone || null, description: v.description || '', published: Boolean(v.published) };  // prettier-ignore
      try {
        place = await busy(document.getElementById('spl-save'), 'Đang lưu…', () =>
          place ? ctx.api.call('PUT', `/site/places/${encodeURIComponent(place.id)}`, { body: { ...body, version: place.version } })
            : ctx.api.call('POST', '/site/places', { body, headers: { 'Idempotency-Key': randomId() } }));  // prettier-ignore
        notify(alert, 'success', `Đã lưu: ${place.name}.`);
        drawPhotos();
        await load();
      } catch (error) {
        if (error.status !== 401) apiError(alert, form, error);
      }
    });
    fill(editor, h('h3', { text: p ? p.name : 'Sản phẩm, địa điểm mới' }), alert, form, photos);
    drawPhotos();
  };
  await load();
}
