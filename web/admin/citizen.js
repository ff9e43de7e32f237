// One citizen's page (#/citizens/<id>), loaded on demand by admin.js: their account, and locking or unlocking it
// behind a confirmation that asks for the reason the audit trail keeps. The list has no lock button on every row.
import { label, t } from '/shared/i18n.js';
import { busy, clearProblems, fieldProblem, fill, formatDate, formValues, h, notify, showError } from '/shared/sc.js';

export async function render(section, ctx, message) {
  const citizen = await ctx.api.call('GET', `/citizens/${encodeURIComponent(ctx.arg)}`);
  const box = h('div', { class: 'alert', hidden: true, id: 'citizen-alert', tabindex: '-1' });
  const locked = citizen.status === 'locked';
  const action = locked ? 'unlock' : 'lock';
  const fact = (term, value) => (value ? [h('dt', { text: term }), h('dd', { text: value })] : null);
  fill(
    section,
    h('p', {}, h('a', { href: '#/citizens', text: '← Danh sách công dân' })),
    h(
      'article',
      { class: 'card', id: 'citizen-card', dataset: { id: citizen.id } },
      h('h1', { text: citizen.full_name || citizen.phone_masked }),
      box,
      h(
        'dl',
        { class: 'facts' },
        [h('dt', { text: 'Trạng thái' }), h('dd', {}, h('span', { class: ['badge', `badge-${citizen.status}`], text: label('status', citizen.status) }))],
        fact('Số điện thoại', citizen.phone_masked),
        fact('CCCD', citizen.cccd_masked),
        fact('CCCD chờ xác minh', citizen.cccd_pending_masked),
        fact('Xóm', ctx.hamletNames.get(citizen.hamlet_id) || citizen.hamlet_id),
        fact('Địa chỉ', citizen.address),
        fact('Ngày sinh', citizen.birth_date ? formatDate(citizen.birth_date) : null),
        fact('Lý do khóa', locked ? citizen.lock_reason : null),
        fact('Tạo ngày', formatDate(citizen.created_at)),
      ),
      ctx.can('lockCitizen')
        ? h('div', { class: 'actions' }, h('button', { type: 'button', class: ['btn', !locked && 'btn-danger'], id: 'citizen-lock', text: locked ? 'Mở khóa tài khoản' : 'Khóa tài khoản', on: { click: () => confirmLock(section, ctx, citizen, action) } }))
        : null,
    ),
  );
  if (message) notify(box, 'success', message);
}

/** The confirmation: a dialog that names the person and needs a reason; nothing changes until it is confirmed. */
function confirmLock(section, ctx, citizen, action) {
  const alert = h('div', { class: 'alert', hidden: true, id: 'lock-alert' });
  const confirm = h('button', { type: 'submit', class: ['btn', action === 'lock' && 'btn-danger'], id: 'lock-confirm', text: t(action) });
  const form = h(
    'form',
    { id: 'lock-form', novalidate: true },
    h('h2', { id: 'lock-title', text: t(`${action}_title`, { name: citizen.full_name || '' }) }),
    h('p', { class: 'muted', text: action === 'lock' ? 'Công dân sẽ bị đăng xuất và không đăng nhập được cho đến khi được mở khóa.' : 'Công dân sẽ đăng nhập lại được.' }),
    alert,
    h('div', { class: 'field' }, h('label', { for: 'lock-reason', text: 'Lý do' }), h('textarea', { id: 'lock-reason', name: 'reason', required: true, maxlength: 500, rows: 3 })),
    h('div', { class: 'actions' }, confirm, h('button', { type: 'button', class: 'btn btn-secondary', text: 'Hủy', on: { click: () => dialog.close() } })),
  );
  const dialog = h('dialog', { id: 'lock-dialog', 'aria-labelledby': 'lock-title' }, form);
  dialog.addEventListener('close', () => dialog.remove());
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearProblems(form, alert);
    const { reason } = formValues(form);
    if (!reason) return fieldProblem(form, 'reason', t('reason_required'));
    try {
      await busy(confirm, t('saving'), () => ctx.api.call('POST', `/citizens/${encodeURIComponent(citizen.id)}/${action}`, { body: { reason } }));
      dialog.close();
      await render(section, ctx, t(action === 'lock' ? 'locked_done' : 'unlocked_done', { name: citizen.full_name }));
    } catch (error) {
      if (error.status !== 401) showError(alert, form, error);
      else dialog.close();
    }
  });
  document.body.append(dialog);
  dialog.showModal();
  form.elements.reason.focus();
}
