// The commune's staff accounts (administrators only; loaded on demand by admin.js): the list, a new account, and on
// one account lock/unlock, its roles and signing it out everywhere. The API decides: an administrator cannot lock
// themselves or drop their own admin role, and its 409 message is shown as it comes.
import { label, t } from '/shared/i18n.js';
import { $$, busy, clearProblems, fieldProblem, fill, formatDateTime, formValues, h, notify, showError } from '/shared/sc.js';

const ROLES = ['admin', 'office', 'police', 'environment', 'infrastructure', 'health', 'school', 'culture'];
// action → [button and heading, button style]
const REASONED = {
  lock: ['Khóa tài khoản', 'btn-danger'],
  unlock: ['Mở khóa tài khoản', null],
  'sign-out': ['Đăng xuất khỏi mọi thiết bị', 'btn-secondary'],
};

const field = (id, text, control) => h('div', { class: 'field' }, h('label', { for: id, text }), control);
const badge = (status) => h('span', { class: ['badge', `badge-${status}`], text: label('status', status) });
const roleText = (roles) => (roles || []).map((role) => label('role', role)).join(', ');
const checkedRoles = (form) => $$('input[name="roles"]:checked', form).map((input) => input.value);

function roleChoices(prefix, chosen) {
  return h(
    'fieldset',
    { class: 'choices' },
    h('legend', { text: 'Vai trò' }),
    ROLES.map((role) =>
      h(
        'span',
        { class: 'check' },
        h('input', { type: 'checkbox', id: `${prefix}-${role}`, name: 'roles', value: role, checked: chosen.includes(role) }),
        h('label', { for: `${prefix}-${role}`, text: label('role', role) }),
      ),
    ),
  );
}

/** `#/staff` → the list; `#/staff/<id>` → one account. */
export async function render(section, ctx, message) {
  const list = (await ctx.api.call('GET', '/staff')).items || [];
  if (!ctx.arg) return overview(section, ctx, list, message);
  const account = list.find((staff) => staff.id === decodeURIComponent(ctx.arg));
  if (!account) throw new Error(t('staff_missing'));
  return one(section, ctx, account, message);
}

function done(box, message) {
  if (!message) return;
  notify(box, 'success', message);
  box.focus();
}

// ---------------------------------------------------------------- the list and a new account

function overview(section, ctx, list, message) {
  const box = h('div', { class: 'alert', hidden: true, id: 'st-alert', tabindex: '-1' });
  const form = newAccountForm(section, ctx);
  const toggle = h('button', {
    type: 'button',
    class: 'btn',
    id: 'st-new-toggle',
    text: 'Thêm cán bộ',
    'aria-expanded': 'false',
    on: {
      click: () => {
        form.hidden = !form.hidden;
        toggle.setAttribute('aria-expanded', String(!form.hidden));
        if (!form.hidden) form.elements.username.focus();
      },
    },
  });
  fill(
    section,
    h('div', { class: 'section-head' }, h('h1', { text: 'Cán bộ' }), toggle),
    form,
    box,
    h('ul', { class: 'grid grid-3', id: 'st-list' }, list.map(card)),
  );
  done(box, message);
}

function card(staff) {
  return h(
    'li',
    { class: 'tile', dataset: { id: staff.id, username: staff.username } },
    h('h3', {}, h('a', { href: `#/staff/${encodeURIComponent(staff.id)}`, text: staff.display_name })),
    h('p', { class: 'mono', text: staff.username }),
    h('p', { text: roleText(staff.roles) }),
    h('p', {}, badge(staff.status)),
  );
}

function newAccountForm(section, ctx) {
  const alert = h('div', { class: 'alert', hidden: true });
  const save = h('button', { type: 'submit', class: 'btn', text: 'Tạo tài khoản' });
  const form = h(
    'form',
    { class: 'card', id: 'st-new', hidden: true, novalidate: true },
    h('h2', { text: 'Thêm cán bộ' }),
    alert,
    h(
      'div',
      { class: 'form-grid' },
      field('st-username', 'Tên đăng nhập', h('input', { id: 'st-username', name: 'username', autocapitalize: 'none', spellcheck: 'false', maxlength: 40 })),
      field('st-display', 'Họ và tên', h('input', { id: 'st-display', name: 'display_name', maxlength: 100 })),
      field('st-password', 'Mật khẩu ban đầu (ít nhất 10 ký tự)', h('input', { id: 'st-password', name: 'password', type: 'password', autocomplete: 'new-password', maxlength: 200 })),
    ),
    roleChoices('sn', []),
    h('div', { class: 'actions' }, save),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearProblems(form, alert);
    const body = { ...formValues(form), roles: checkedRoles(form) };
    if (!body.roles.length) return void notify(alert, 'error', t('staff_roles_none'));
    try {
      const created = await busy(save, t('saving'), () => ctx.api.call('POST', '/staff', { body }));
      await render(section, { ...ctx, arg: '' }, t('staff_created', { name: created.display_name, username: created.username }));
    } catch (error) {
      if (error.status !== 401) showError(alert, form, error);
    }
  });
  return form;
}

// ---------------------------------------------------------------- one account

function one(section, ctx, staff, message) {
  const box = h('div', { class: 'alert', hidden: true, id: 'st-one-alert', tabindex: '-1' });
  const again = (account, text) => one(section, ctx, account, text);
  fill(
    section,
    h('p', {}, h('a', { href: '#/staff', text: '← Danh sách cán bộ' })),
    h(
      'article',
      { class: 'card', id: 'st-account', dataset: { id: staff.id } },
      h('h1', { text: staff.display_name }),
      h('p', {}, h('span', { class: 'mono', text: staff.username }), ' ', badge(staff.status)),
      h(
        'dl',
        { class: 'facts' },
        h('dt', { text: 'Vai trò' }),
        h('dd', { id: 'st-roles-now', text: roleText(staff.roles) }),
        h('dt', { text: 'Ngày tạo' }),
        h('dd', { text: formatDateTime(staff.created_at) }),
      ),
    ),
    box,
    reasoned(ctx, staff, staff.status === 'locked' ? 'unlock' : 'lock', again),
    rolesForm(ctx, staff, again),
    reasoned(ctx, staff, 'sign-out', again),
  );
  done(box, message);
}

/** Lock, unlock or sign out: a reason for the audit trail, then a confirmation that names who is affected. */
function reasoned(ctx, staff, action, again) {
  const [title, style] = REASONED[action];
  const id = `st-${action}`;
  const alert = h('div', { class: 'alert', hidden: true });
  const confirm = h('div', { class: 'alert alert-info', hidden: true, role: 'alertdialog', 'aria-label': title, id: `${id}-confirm` });
  const form = h(
    'form',
    { class: 'card', id, novalidate: true },
    h('h2', { text: title }),
    alert,
    field(`${id}-reason`, 'Lý do (ghi vào nhật ký)', h('textarea', { id: `${id}-reason`, name: 'reason', rows: 2, maxlength: 300 })),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: ['btn', style], text: title })),
    confirm,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearProblems(form, alert);
    const { reason } = formValues(form);
    if (reason.length < 3) return void fieldProblem(form, 'reason', t('reason_min'));
    const yes = h('button', { type: 'button', class: ['btn', style], text: `Xác nhận: ${title}` });
    const no = h('button', { type: 'button', class: 'btn btn-secondary', text: 'Hủy', on: { click: () => void (confirm.hidden = true) } });
    fill(confirm, h('p', { text: t(`staff_confirm_${action}`, { name: staff.display_name, username: staff.username }) }), h('div', { class: 'actions' }, yes, no));
    confirm.hidden = false;
    yes.focus();
    yes.addEventListener('click', async () => {
      try {
        const path = `/staff/${encodeURIComponent(staff.id)}/${action}`;
        const updated = await busy(yes, t('saving'), () => ctx.api.call('POST', path, { body: { reason } }));
        await again(updated || staff, t(`staff_done_${action}`, { name: staff.display_name }));
      } catch (error) {
        confirm.hidden = true;
        if (error.status !== 401) showError(alert, form, error);
      }
    });
  });
  return form;
}

function rolesForm(ctx, staff, again) {
  const alert = h('div', { class: 'alert', hidden: true });
  const save = h('button', { type: 'submit', class: 'btn', text: 'Lưu vai trò' });
  const form = h(
    'form',
    { class: 'card', id: 'st-roles', novalidate: true },
    h('h2', { text: 'Đổi vai trò' }),
    alert,
    roleChoices('sr', staff.roles),
    h('p', { class: 'hint', text: t('staff_roles_hint') }),
    h('div', { class: 'actions' }, save),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearProblems(null, alert);
    const roles = checkedRoles(form);
    if (!roles.length) return void notify(alert, 'error', t('staff_roles_none'));
    try {
      const path = `/staff/${encodeURIComponent(staff.id)}/roles`;
      const updated = await busy(save, t('saving'), () => ctx.api.call('PUT', path, { body: { roles } }));
      await again(updated, t('staff_done_roles', { name: updated.display_name, roles: roleText(updated.roles) }));
    } catch (error) {
      if (error.status !== 401) showError(alert, null, error);
    }
  });
  return form;
}
