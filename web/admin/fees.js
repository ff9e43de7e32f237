// Fees for the commune office (office and admin; loaded on demand by admin.js at #/fees): arrears by hamlet and fee
// type, cash counted at the office recorded against an invoice reference (the receipt number comes back), and the
// payments held for staff (wrong amount, overpaid, unknown reference) with the API's two settlements.
import { busy, clearProblems, fieldProblem, fill, formatDateTime, formValues, h, notify, showError } from '/shared/sc.js';

const HOLD = {
  underpaid: 'Chuyển thiếu tiền',
  overpaid: 'Chuyển thừa tiền',
  already_paid: 'Hóa đơn đã được thanh toán',
  unknown_reference: 'Không rõ mã hóa đơn',
};
const CHANNEL = { vietqr: 'VietQR', gateway: 'Cổng thanh toán', cash: 'Tiền mặt' };
const INVOICE = { open: 'Chưa thanh toán', partial: 'Đã trả một phần', paid: 'Đã thanh toán', exempt: 'Miễn' };

/** 1250000 → "1.250.000 ₫" (Vietnamese grouping, whatever the browser's locale). */
export function vnd(amount) {
  return `${String(Math.round(Number(amount) || 0)).replace(/\B(?=(\d{3})+(?!\d))/g, '.')} ₫`;
}

const field = (id, text, control) => h('div', { class: 'field' }, h('label', { for: id, text }), control);

/** The API's words, Vietnamese first, the English after. */
function apiError(box, form, error) {
  showError(box, form, error);
  if (error.messageEn) box.append(h('p', { class: 'muted', lang: 'en', text: error.messageEn }));
}

export async function render(section, ctx) {
  const arrears = h('section', { class: 'card', id: 'fa-arrears', 'aria-labelledby': 'fa-title' });
  const cash = h('section', { class: 'card', id: 'fc-cash', 'aria-labelledby': 'fc-title' });
  const held = h('section', { class: 'card', id: 'fh-held', 'aria-labelledby': 'fh-title' });
  fill(section, h('h1', { text: 'Phí, lệ phí' }), arrears, cash, held);
  const schedule = await ctx.api.call('GET', '/fees/schedule');
  const cashForm = drawCash(cash, ctx, () => Promise.all([loadArrears(), loadHeld()]));
  const loadArrears = drawArrears(arrears, ctx, schedule, cashForm);
  const loadHeld = drawHeld(held, ctx, loadArrears);
  await Promise.all([loadArrears(), loadHeld()]);
}

// ---------------------------------------------------------------- arrears

function drawArrears(card, ctx, schedule, cashForm) {
  const box = h('div', { class: 'alert', hidden: true, id: 'fa-alert' });
  const fee = h('select', { id: 'fa-fee', name: 'fee_code' }, (schedule.fee_types || []).map((x) => h('option', { value: x.code, text: x.name })));
  const hamlet = h('select', { id: 'fa-hamlet', name: 'hamlet_id' }, h('option', { value: '', text: 'Tất cả các xóm' }), (ctx.commune.hamlets || []).map((x) => h('option', { value: x.id, text: x.name })));
  if ((schedule.fee_types || []).some((x) => x.code === 'waste')) fee.value = 'waste'; // the API's default fee
  const overdue = h('input', { type: 'checkbox', id: 'fa-overdue', name: 'overdue_only', value: 'true', checked: true });
  const form = h(
    'form',
    { class: 'filter', id: 'fa-filter', novalidate: true },
    field('fa-fee', 'Khoản thu', fee),
    field('fa-hamlet', 'Xóm', hamlet),
    h('div', { class: 'field check' }, overdue, h('label', { for: 'fa-overdue', text: 'Chỉ khoản quá hạn' })),
  );
  const totals = h('p', { class: 'kpis', id: 'fa-total' });
  const byHamlet = h('tbody', { id: 'fa-hamlets' });
  const lines = h('tbody', { id: 'fa-rows' });
  fill(
    card,
    h('h2', { id: 'fa-title', text: 'Nợ phí theo xóm và khoản thu' }),
    form,
    box,
    totals,
    h('div', { class: 'stat-table' }, h('table', {}, h('thead', {}, h('tr', {}, ['Xóm', 'Số hộ nợ', 'Tổng nợ'].map((x, i) => h('th', { scope: 'col', class: i ? 'num' : null, text: x })))), byHamlet)),
    h(
      'table',
      { class: 'cards', id: 'fa-table' },
      h('thead', {}, h('tr', {}, ['Hộ', 'Xóm', 'Kỳ nợ', 'Số tiền nợ', 'Hóa đơn'].map((x) => h('th', { scope: 'col', text: x })))),
      lines,
    ),
  );
  const name = (id) => ctx.hamletNames.get(id) || id;
  const load = async () => {
    clearProblems(null, box);
    const values = formValues(form);
    const query = { fee_code: values.fee_code, hamlet_id: values.hamlet_id, overdue_only: values.overdue_only ? 'true' : 'false', limit: 1000 };
    try {
      const report = await ctx.api.call('GET', '/fees/arrears', { query });
      fill(totals, 'Tổng nợ: ', h('strong', { id: 'fa-total-vnd', text: vnd(report.total_vnd) }), ` · ${report.households} hộ`);
      const groups = new Map();
      for (const line of report.lines) {
        const group = groups.get(line.hamlet_id) || { households: 0, vnd: 0 };
        group.households += 1;
        group.vnd += line.balance_vnd;
        groups.set(line.hamlet_id, group);
      }
      fill(
        byHamlet,
        [...groups].map(([id, g]) =>
          h('tr', { dataset: { hamlet: id } }, h('td', { text: name(id) }), h('td', { class: 'num', text: String(g.households) }), h('td', { class: 'num', text: vnd(g.vnd) })),
        ),
      );
      fill(
        lines,
        report.lines.length
          ? report.lines.map((line) =>
              h(
                'tr',
                { dataset: { household: line.household_id } },
                h('td', { 'data-label': 'Hộ' }, h('strong', { text: line.head_name }), h('br'), h('span', { class: 'mono', text: line.household_id })),
                h('td', { 'data-label': 'Xóm', text: name(line.hamlet_id) }),
                h('td', { 'data-label': 'Kỳ nợ', text: line.periods.map((p) => p.split('-').reverse().join('/')).join(', ') }),
                h('td', { class: 'num', 'data-label': 'Số tiền nợ', text: vnd(line.balance_vnd) }),
                h(
                  'td',
                  { 'data-label': 'Hóa đơn' },
                  line.references.map((reference) =>
                    h('button', { type: 'button', class: 'btn btn-secondary btn-small', dataset: { reference }, title: 'Thu tiền mặt', text: reference, on: { click: () => cashForm.pick(reference) } }),
                  ),
                ),
              ),
            )
          : h('tr', {}, h('td', { colspan: 5, class: 'muted', text: 'Không có hộ nào nợ khoản này.' })),
      );
    } catch (error) {
      if (error.status !== 401) apiError(box, null, error);
    }
  };
  form.addEventListener('change', load);
  return load;
}

// ---------------------------------------------------------------- cash at the office

function drawCash(card, ctx, refresh) {
  const box = h('div', { class: 'alert', hidden: true, id: 'fc-alert', tabindex: '-1' });
  const invoice = h('p', { class: 'muted', id: 'fc-invoice' });
  const save = h('button', { type: 'submit', class: 'btn', text: 'Ghi nhận tiền mặt' });
  const form = h(
    'form',
    { id: 'fc-form', novalidate: true },
    h(
      'div',
      { class: 'form-grid' },
      field('fc-reference', 'Mã hóa đơn', h('input', { id: 'fc-reference', name: 'reference', maxlength: 12, autocomplete: 'off', spellcheck: 'false', class: 'mono' })),
      field('fc-amount', 'Số tiền (đồng)', h('input', { id: 'fc-amount', name: 'amount_vnd', inputmode: 'numeric', autocomplete: 'off', maxlength: 13 })),
      field('fc-payer', 'Người nộp', h('input', { id: 'fc-payer', name: 'payer_name', maxlength: 100 })),
      field('fc-slip', 'Số phiếu thu', h('input', { id: 'fc-slip', name: 'slip_no', maxlength: 40, autocomplete: 'off' })),
    ),
    invoice,
    h('div', { class: 'actions' }, save),
  );
  const result = h('div', { id: 'fc-result', 'aria-live': 'polite' });
  fill(card, h('h2', { id: 'fc-title', text: 'Thu tiền mặt tại văn phòng' }), h('p', { class: 'muted', text: 'Chọn mã hóa đơn trong danh sách nợ hoặc nhập mã; ghi lại cùng số phiếu thu thì chỉ thu một lần.' }), box, form, result);
  const pick = async (reference) => {
    clearProblems(form, box);
    form.elements.reference.value = reference;
    try {
      const x = await ctx.api.call('GET', `/fees/invoices/${encodeURIComponent(reference)}`);
      form.elements.amount_vnd.value = String(x.balance_vnd);
      if (!form.elements.payer_name.value) form.elements.payer_name.value = x.head_name || '';
      fill(invoice, `${x.fee_name} — ${x.period_label} · ${x.head_name} · còn nợ ${vnd(x.balance_vnd)} · ${INVOICE[x.status] || x.status}`);
    } catch (error) {
      if (error.status !== 401) apiError(box, form, error);
    }
    form.elements.slip_no.focus();
  };
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearProblems(form, box);
    const values = formValues(form);
    const reference = (values.reference || '').toUpperCase();
    const amount = Number((values.amount_vnd || '').replace(/[.\s₫]/g, ''));
    if (!reference) fieldProblem(form, 'reference', 'Vui lòng nhập mã hóa đơn.');
    if (!Number.isInteger(amount) || amount <= 0) fieldProblem(form, 'amount_vnd', 'Số tiền phải là số đồng lớn hơn 0.');
    if (!values.slip_no) fieldProblem(form, 'slip_no', 'Vui lòng nhập số phiếu thu.');
    if (!reference || !(amount > 0) || !values.slip_no) return;
    const body = { amount_vnd: amount, payer_name: values.payer_name, slip_no: values.slip_no };
    try {
      const outcome = await busy(save, 'Đang ghi…', () => ctx.api.call('POST', `/fees/invoices/${encodeURIComponent(reference)}/cash`, { body }));
      fill(
        result,
        h(
          'dl',
          { class: 'facts', dataset: { reference, status: outcome.status } },
          h('dt', { text: 'Hóa đơn' }),
          h('dd', { class: 'mono', text: reference }),
          h('dt', { text: 'Số tiền' }),
          h('dd', { text: vnd(amount) }),
          h('dt', { text: 'Trạng thái hóa đơn' }),
          h('dd', { id: 'fc-invoice-status', text: INVOICE[outcome.invoice_status] || outcome.invoice_status || '—' }),
          outcome.receipt_no ? [h('dt', { text: 'Biên lai số' }), h('dd', {}, h('strong', { id: 'fc-receipt-no', text: outcome.receipt_no }))] : null,
        ),
      );
      const kind = outcome.status === 'held' ? 'info' : 'success';
      const said = outcome.status === 'held'
        ? `Đã ghi nhận nhưng chờ xử lý: ${HOLD[outcome.hold_reason] || outcome.hold_reason}.`
        : outcome.duplicate
          ? 'Phiếu thu này đã được ghi nhận trước đó (không thu hai lần).'
          : 'Đã ghi nhận tiền mặt.';
      notify(box, kind, said);
      box.focus();
      fill(invoice);
      form.reset();
      await refresh();
    } catch (error) {
      if (error.status !== 401) apiError(box, form, error);
    }
  });
  return { pick };
}

// ---------------------------------------------------------------- payments held for staff

function drawHeld(card, ctx, refreshArrears) {
  const box = h('div', { class: 'alert', hidden: true, id: 'fh-alert', tabindex: '-1' });
  const rows = h('tbody', { id: 'fh-rows' });
  fill(
    card,
    h('h2', { id: 'fh-title', text: 'Khoản thanh toán chờ xử lý' }),
    h('p', { class: 'muted', text: 'Chuyển thiếu, thừa, vào hóa đơn đã trả hoặc không rõ mã: áp dụng vào hóa đơn (phần thừa được hoàn lại) hoặc hoàn trả toàn bộ.' }),
    box,
    h(
      'table',
      { class: 'cards', id: 'fh-table' },
      h('thead', {}, h('tr', {}, ['Thời gian', 'Kênh', 'Nội dung / hóa đơn', 'Số tiền', 'Lý do', 'Xử lý'].map((x) => h('th', { scope: 'col', text: x })))),
      rows,
    ),
  );
  const load = async () => {
    try {
      const page = await ctx.api.call('GET', '/fees/payments/held');
      fill(rows, page.items.length ? page.items.map((p) => row(p)) : h('tr', {}, h('td', { colspan: 6, class: 'muted', id: 'fh-none', text: 'Không có khoản nào chờ xử lý.' })));
    } catch (error) {
      if (error.status !== 401) apiError(box, null, error);
    }
  };
  const row = (p) => {
    const note = h('input', { name: 'note', maxlength: 300, 'aria-label': `Ghi chú xử lý ${p.reference}`, placeholder: 'Ghi chú (bắt buộc)' });
    const form = h('form', { class: 'action-form', novalidate: true }, note);
    const act = (action, text, kind) => {
      const button = h('button', { type: 'button', class: ['btn', 'btn-small', kind], text });
      button.addEventListener('click', async () => {
        clearProblems(form, box);
        const body = { action, note: note.value.trim() };
        if (body.note.length < 3) return void fieldProblem(form, 'note', 'Ghi chú ít nhất 3 ký tự.');
        try {
          const done = await busy(button, 'Đang xử lý…', () => ctx.api.call('POST', `/fees/payments/${encodeURIComponent(p.id)}/resolve`, { body }));
          notify(box, 'success', action === 'apply' ? `Đã áp dụng ${vnd(done.applied_vnd)} vào hóa đơn ${done.invoice_ref || p.reference}.` : `Đã hoàn trả ${vnd(done.amount_vnd)}.`);
          box.focus();
          await Promise.all([load(), refreshArrears()]);
        } catch (error) {
          if (error.status !== 401) apiError(box, form, error);
        }
      });
      return button;
    };
    form.append(h('div', { class: 'actions' }, act('apply', 'Áp dụng vào hóa đơn', null), act('refund', 'Hoàn trả', 'btn-secondary')));
    return h(
      'tr',
      { dataset: { id: p.id, reference: p.invoice_ref || p.reference } },
      h('td', { 'data-label': 'Thời gian', class: 'nowrap', text: formatDateTime(p.paid_at) }),
      h('td', { 'data-label': 'Kênh', text: CHANNEL[p.channel] || p.channel }),
      h('td', { 'data-label': 'Nội dung / hóa đơn' }, h('span', { class: 'mono', text: p.reference }), p.payer_name ? [h('br'), p.payer_name] : null),
      h('td', { class: 'num', 'data-label': 'Số tiền', text: vnd(p.amount_vnd) }),
      h('td', { 'data-label': 'Lý do' }, h('span', { class: ['badge', 'prio-priority'], text: HOLD[p.hold_reason] || p.hold_reason || '' }), p.late ? ' (trễ hạn)' : null),
      h('td', { 'data-label': 'Xử lý' }, form),
    );
  };
  return load;
}
