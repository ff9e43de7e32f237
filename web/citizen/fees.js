// Household fees (loaded on demand by citizen.js at #/phi): the signed-in citizen's household's invoices and
// history (#/phi), one invoice with its VietQR code to scan with any banking app (#/phi/<reference>), and, once the
// bank has confirmed the payment, its electronic receipt (page and PDF). An open invoice is watched: the receipt
// appears by itself when the payment arrives.
import { language } from '/shared/i18n.js';
import { fill, h, notify, showError } from '/shared/sc.js';

const TEXT = {
  vi: {
    title: 'Phí, lệ phí của hộ',
    back: '← Trang chính',
    list: '← Danh sách hóa đơn',
    none: 'Hộ của bạn chưa có hóa đơn nào.',
    total: 'Tổng còn phải nộp',
    household: 'Mã hộ',
    due: 'Hạn nộp',
    overdue: 'Quá hạn',
    arrears: 'Nợ kỳ trước',
    exemption: 'Miễn giảm',
    open: 'Xem và thanh toán',
    view: 'Xem',
    scan: 'Quét mã bằng ứng dụng ngân hàng bất kỳ để thanh toán đúng số tiền. Nội dung chuyển khoản là mã hóa đơn.',
    amount: 'Số tiền',
    reference: 'Mã hóa đơn',
    waiting: 'Đang chờ ngân hàng xác nhận thanh toán…',
    review: 'Có khoản chuyển chưa khớp số tiền: văn phòng xã đang kiểm tra.',
    paid: 'Đã thanh toán. Cảm ơn bạn!',
    receipt: 'Biên lai điện tử',
    receipt_no: 'Ký hiệu / số',
    payer: 'Người nộp',
    fee: 'Khoản thu',
    words: 'Bằng chữ',
    date: 'Ngày',
    how: 'Hình thức',
    pdf: 'Tải biên lai (PDF)',
    page: 'Mở bản in',
    channel: { vietqr: 'Chuyển khoản VietQR', gateway: 'Cổng thanh toán', cash: 'Tiền mặt tại văn phòng' },
    qr_alt: 'Mã VietQR của hóa đơn',
    loading: 'Đang tải…',
  },
  en: {
    title: 'Household fees',
    back: '← Home',
    list: '← All invoices',
    none: 'Your household has no invoices yet.',
    total: 'Total to pay',
    household: 'Household',
    due: 'Due',
    overdue: 'Overdue',
    arrears: 'Earlier periods unpaid',
    exemption: 'Exemption',
    open: 'View and pay',
    view: 'View',
    scan: 'Scan the code with any banking app to pay the exact amount. The transfer message is the invoice code.',
    amount: 'Amount',
    reference: 'Invoice code',
    waiting: 'Waiting for the bank to confirm the payment…',
    review: 'A transfer did not match the amount: the commune office is checking it.',
    paid: 'Paid. Thank you!',
    receipt: 'Electronic receipt',
    receipt_no: 'Series / number',
    payer: 'Payer',
    fee: 'Fee',
    words: 'In words',
    date: 'Date',
    how: 'Paid by',
    pdf: 'Download the receipt (PDF)',
    page: 'Open the printable page',
    channel: { vietqr: 'VietQR transfer', gateway: 'Payment gateway', cash: 'Cash at the office' },
    qr_alt: 'The invoice’s VietQR code',
    loading: 'Loading…',
  },
};

const POLL_MS = 2000;
let poll = null;
const urls = [];

function vnd(amount) {
  return `${Number(amount).toLocaleString('vi-VN')} ₫`;
}

function forget() {
  clearTimeout(poll);
  poll = null;
  while (urls.length) URL.revokeObjectURL(urls.pop());
}

function blobUrl(blob) {
  const url = URL.createObjectURL(blob);
  urls.push(url);
  return url;
}

export async function render(view, ctx) {
  forget();
  const say = TEXT[language()] || TEXT.vi;
  const reference = (ctx.hash.match(/^#\/phi\/([A-Za-z2-7]{12})$/) || [])[1];
  const box = h('div', { class: 'alert', hidden: true, id: 'fee-alert' });
  const body = h('div', { id: 'fee-body', 'aria-live': 'polite' }, h('p', { class: 'muted', text: say.loading }));
  fill(view, h('p', {}, h('a', { href: reference ? '#/phi' : '#/', text: reference ? say.list : say.back })), h('h1', { text: say.title }), box, body);
  try {
    if (reference) await invoice(body, box, ctx, say, reference.toUpperCase());
    else await list(body, ctx, say);
  } catch (error) {
    fill(body);
    if (error.status !== 401) showError(box, null, error);
  }
}

async function list(body, ctx, say) {
  const page = await ctx.api.call('GET', '/fees/me/invoices');
  const items = page.items || [];
  if (!items.length) {
    fill(body, h('p', { class: 'muted', text: say.none }));
    return;
  }
  fill(
    body,
    h('p', { class: 'card', id: 'fee-total' }, `${say.total}: `, h('strong', { text: vnd(page.total_due_vnd) })),
    h('ul', { class: 'fb-list', id: 'fee-list' }, items.map((x) => row(x, say))),
  );
}

function row(x, say) {
  const open = x.balance_vnd > 0 && (x.status === 'open' || x.status === 'partial');
  return h(
    'li',
    { class: ['fb-item', 'fee-item', `fee-${x.status}`], dataset: { reference: x.reference } },
    h('p', {}, h('span', { class: 'badge', text: x.status_label }), x.overdue ? [' ', h('span', { class: ['badge', 'prio-emergency'], text: say.overdue })] : null),
    h('h3', { text: `${x.fee_name} — ${x.period_label}` }),
    h('p', { class: 'fb-meta', text: `${say.amount}: ${vnd(x.amount_vnd)} · ${say.due}: ${x.due_date}` }),
    x.exemption_percent ? h('p', { class: 'fb-meta', text: `${say.exemption}: ${x.exemption_percent}% (${x.exemption_decision})` }) : null,
    h('p', { class: 'tile-links' }, h('a', { href: `#/phi/${x.reference}`, text: open ? say.open : say.view })),
  );
}

async function invoice(body, box, ctx, say, reference) {
  const x = await ctx.api.call('GET', `/fees/invoices/${reference}`);
  const facts = h(
    'dl',
    { class: 'fee-facts' },
    h('dt', { text: say.fee }),
    h('dd', { text: `${x.fee_name} — ${x.period_label}` }),
    h('dt', { text: say.household }),
    h('dd', { text: `${x.household_id} · ${x.head_name}` }),
    h('dt', { text: say.amount }),
    h('dd', { id: 'fee-amount', text: vnd(x.balance_vnd || x.amount_vnd) }),
    h('dt', { text: say.reference }),
    h('dd', { id: 'fee-reference', text: x.reference }),
    h('dt', { text: say.due }),
    h('dd', { text: x.due_date }),
    x.arrears_vnd ? [h('dt', { text: say.arrears }), h('dd', { text: vnd(x.arrears_vnd) })] : null,
  );
  if (x.receipt_no) {
    fill(body, h('section', { class: 'card' }, h('h2', { text: `${x.fee_name}` }), facts), await receipt(ctx, say, reference));
    notify(box, 'success', say.paid);
    return;
  }
  if (!x.vietqr) {
    fill(body, h('section', { class: 'card' }, facts));
    return;
  }
  const qr = await ctx.api.call('GET', `/fees/invoices/${reference}/qr`);
  const image = h('img', {
    id: 'fee-qr',
    class: 'fee-qr',
    alt: say.qr_alt,
    width: 240,
    height: 240,
    src: blobUrl(new Blob([qr.svg], { type: 'image/svg+xml' })),
    dataset: { payload: qr.payload },
  });
  const status = h('p', { id: 'fee-status', class: 'hint', text: x.pending_review ? say.review : say.waiting });
  fill(body, h('section', { class: 'card', id: 'fee-pay' }, h('p', { text: say.scan }), h('p', { class: 'fee-qr-box' }, image), facts, status));
  const watch = async () => {
    try {
      const now = await ctx.api.call('GET', `/fees/invoices/${reference}`);
      if (now.receipt_no) {
        forget();
        await invoice(body, box, ctx, say, reference);
        return;
      }
      status.textContent = now.pending_review ? say.review : say.waiting;
    } catch (error) {
      if (error.status === 401) return;
    }
    if (window.location.hash === `#/phi/${reference}`) poll = setTimeout(watch, POLL_MS);
  };
  poll = setTimeout(watch, POLL_MS);
}

async function receipt(ctx, say, reference) {
  const r = await ctx.api.call('GET', `/fees/invoices/${reference}/receipt`);
  const pdf = h('a', { class: 'btn', id: 'fee-receipt-pdf', href: '#', text: say.pdf, download: `bien-lai-${r.series}-${r.number}.pdf` });
  const page = h('a', { class: 'btn btn-secondary', id: 'fee-receipt-page', href: '#', text: say.page, target: '_blank', rel: 'noopener' });
  const fetchTo = async (link, path, type) => {
    const headers = { Accept: type, Authorization: `Bearer ${ctx.api.token}` };
    const response = await fetch(`/api${path}`, { headers, cache: 'no-store', credentials: 'same-origin' });
    if (response.ok) link.href = blobUrl(await response.blob());
  };
  await Promise.all([
    fetchTo(pdf, `/fees/invoices/${reference}/receipt.pdf`, 'application/pdf'),
    fetchTo(page, `/fees/invoices/${reference}/receipt.html`, 'text/html'),
  ]);
  return h(
    'section',
    { class: 'card', id: 'fee-receipt', 'aria-labelledby': 'fee-receipt-title' },
    h('h2', { id: 'fee-receipt-title', text: say.receipt }),
    h(
      'dl',
      { class: 'fee-facts' },
      h('dt', { text: say.receipt_no }),
      h('dd', { id: 'fee-receipt-no', text: r.receipt_no }),
      h('dt', { text: say.payer }),
      h('dd', { text: r.payer_name }),
      h('dt', { text: say.fee }),
      h('dd', { text: `${r.fee_name} (${r.period_label})` }),
      h('dt', { text: say.amount }),
      h('dd', { text: r.amount_label }),
      h('dt', { text: say.words }),
      h('dd', { id: 'fee-receipt-words', text: r.amount_words }),
      h('dt', { text: say.date }),
      h('dd', { id: 'fee-receipt-date', text: r.date }),
      h('dt', { text: say.how }),
      h('dd', { text: say.channel[r.channel] || r.channel }),
    ),
    h('p', { class: 'actions' }, pdf, page),
  );
}
