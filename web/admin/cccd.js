// CCCD numbers citizens gave on their profile, waiting for staff with the card in hand (admin, office, police; loaded
// on demand by admin.js): the list, and on one citizen's page verify (typing the number from the card) or reject.
// Only masked numbers are shown: a full number appears only as the staff member types it.
import { t } from '/shared/i18n.js';
import { busy, clearProblems, fieldProblem, fill, formatDate, formValues, h, notify, showError } from '/shared/sc.js';

const field = (id, text, control) => h('div', { class: 'field' }, h('label', { for: id, text }), control);
const fact = (term, value, id) => [h('dt', { text: term }), h('dd', { id, text: value || '—' })];

/** `#/cccd` → the citizens whose CCCD waits; `#/cccd/<citizen id>` → one citizen, to verify or reject. */
export async function render(section, ctx) {
  if (ctx.arg) await one(section, ctx, decodeURIComponent(ctx.arg));
  else await pending(section, ctx);
}

async function pending(section, ctx) {
  const box = h('div', { class: 'alert', hidden: true });
  const list = h('ul', { class: 'grid grid-3', id: 'cc-list', 'aria-busy': 'true' });
  const empty = h('p', { class: 'muted', id: 'cc-empty', hidden: true, text: t('cccd_none') });
  const more = h('button', { type: 'button', class: 'btn btn-secondary', hidden: true, text: t('more') });
  fill(
    section,
    h('p', {}, h('a', { href: '#/citizens', text: '← Công dân' })),
    h('h1', { text: 'CCCD chờ xác minh' }),
    h('p', { class: 'muted', text: t('cccd_list_hint') }),
    box,
    list,
    empty,
    h('div', { class: 'actions more' }, more),
  );
  let cursor = null;
  const load = async () => {
    try {
      const page = await ctx.api.call('GET', '/citizens', { query: { cccd_pending: 'true', limit: 20, cursor } });
      list.append(...(page.items || []).map((citizen) => card(citizen, ctx)));
      cursor = page.next_cursor || null;
      more.hidden = !cursor;
      empty.hidden = list.children.length > 0;
      list.setAttribute('aria-busy', 'false');
    } catch (error) {
      if (error.status !== 401) showError(box, null, error);
    }
  };
  more.addEventListener('click', () => busy(more, t('loading'), load));
  await load();
}

function card(citizen, ctx) {
  return h(
    'li',
    { class: 'tile', dataset: { id: citizen.id } },
    h('h3', {}, h('a', { href: `#/cccd/${encodeURIComponent(citizen.id)}`, text: citizen.full_name || '—' })),
    h('p', { class: 'mono', text: citizen.phone_masked }),
    h('p', { text: [ctx.hamletNames.get(citizen.hamlet_id) || citizen.hamlet_id, citizen.address].filter(Boolean).join(' · ') }),
  );
}

async function one(section, ctx, id, message) {
  const citizen = await ctx.api.call('GET', `/citizens/${encodeURIComponent(id)}`);
  const box = h('div', { class: 'alert', hidden: true, id: 'cc-alert', tabindex: '-1' });
  const again = (text) => one(section, ctx, id, text);
  fill(
    section,
    h('p', {}, h('a', { href: '#/cccd', text: '← CCCD chờ xác minh' })),
    h(
      'article',
      { class: 'card', id: 'cc-citizen', dataset: { id } },
      h('h1', { text: citizen.full_name || '—' }),
      h(
        'dl',
        { class: 'facts' },
        fact('Số điện thoại', citizen.phone_masked),
        fact('Xóm', ctx.hamletNames.get(citizen.hamlet_id) || citizen.hamlet_id),
        fact('Địa chỉ', citizen.address),
        fact('Ngày sinh', formatDate(citizen.birth_date)),
        fact('CCCD đã xác minh', citizen.cccd_masked, 'cc-verified'),
        fact('CCCD chờ xác minh', citizen.cccd_pending_masked, 'cc-pending'),
      ),
    ),
    box,
    citizen.cccd_pending_masked
      ? [verifyForm(ctx, citizen, again), rejectForm(ctx, citizen, again)]
      : h('p', { class: 'muted', text: t('cccd_none') }),
  );
  if (message) {
    notify(box, 'success', message);
    box.focus();
  }
}

function verifyForm(ctx, citizen, again) {
  const alert = h('div', { class: 'alert', hidden: true });
  const save = h('button', { type: 'submit', class: 'btn', text: 'Xác minh' });
  // Shown after the API says the number is on another account: the staff member then decides to move it.
  const replace = h(
    'div',
    { class: 'field check', hidden: true },
    h('input', { type: 'checkbox', id: 'cc-replace', name: 'replace_holder', value: 'true' }),
    h('label', { for: 'cc-replace', text: t('cccd_replace') }),
  );
  const form = h(
    'form',
    { class: 'card', id: 'cc-verify', novalidate: true },
    h('h2', { text: 'Xác minh CCCD' }),
    h('p', { class: 'muted', text: t('cccd_verify_hint', { masked: citizen.cccd_pending_masked }) }),
    alert,
    field('cc-number', 'Số CCCD trên thẻ', h('input', { id: 'cc-number', name: 'cccd', inputmode: 'numeric', autocomplete: 'off', maxlength: 14 })),
    replace,
    h('div', { class: 'actions' }, save),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearProblems(form, alert);
    const values = formValues(form);
    const cccd = (values.cccd || '').replace(/\s/g, '');
    if (!/^\d{12}$/.test(cccd)) return void fieldProblem(form, 'cccd', t('cccd_digits'));
    const body = { cccd, replace_holder: values.replace_holder === 'true' };
    try {
      const path = `/citizens/${encodeURIComponent(citizen.id)}/cccd/verify`;
      const updated = await busy(save, t('saving'), () => ctx.api.call('POST', path, { body }));
      await again(t('cccd_verified_done', { name: updated.full_name, masked: updated.cccd_masked }));
    } catch (error) {
      if (error.status === 401) return;
      showError(alert, form, error);
      if (error.status === 409) replace.hidden = false;
    }
  });
  return form;
}

function rejectForm(ctx, citizen, again) {
  const alert = h('div', { class: 'alert', hidden: true });
  const save = h('button', { type: 'submit', class: 'btn btn-danger', text: 'Từ chối số CCCD' });
  const form = h(
    'form',
    { class: 'card', id: 'cc-reject', novalidate: true },
    h('h2', { text: 'Từ chối' }),
    alert,
    field('cc-reason', 'Lý do (ghi vào nhật ký)', h('textarea', { id: 'cc-reason', name: 'reason', rows: 2, maxlength: 300 })),
    h('div', { class: 'actions' }, save),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearProblems(form, alert);
    const { reason } = formValues(form);
    if (reason.length < 3) return void fieldProblem(form, 'reason', t('reason_min'));
    try {
      const path = `/citizens/${encodeURIComponent(citizen.id)}/cccd/reject`;
      await busy(save, t('saving'), () => ctx.api.call('POST', path, { body: { reason } }));
      await again(t('cccd_rejected_done', { name: citizen.full_name }));
    } catch (error) {
      if (error.status !== 401) showError(alert, form, error);
    }
  });
  return form;
}
