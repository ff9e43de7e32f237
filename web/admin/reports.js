// Reports to the district and province (office and admin; loaded on demand by admin.js at #/reports): the reports
// with their status, a new monthly/quarterly/yearly form (the platform's figures filled in), values entered with
// their evidence, submit (office), approve / return / send (chairman), a correction of a sent report with its
// reason, and the signed copies (JWS, PDF) and exports (XLSX, DHIS2) of a sent report.
import { API_BASE, busy, clearProblems, fill, formatDateTime, formValues, h, notify, showError } from '/shared/sc.js';

const STATUS = { draft: 'Dự thảo', submitted: 'Đã trình', approved: 'Đã duyệt', sent: 'Đã gửi' };
const SOURCE = { computed: 'Tính từ dữ liệu', entered: 'Cán bộ nhập', missing: 'Chưa có số liệu' };
const KIND = { monthly: 'Tháng', quarterly: 'Quý', yearly: 'Năm', adhoc: 'Theo yêu cầu của tỉnh' };
const FILES = [
  ['report.pdf', 'application/pdf', 'Bản PDF có chữ ký'],
  ['report.jws', 'application/jose', 'Bản ký số JWS'],
  ['report.xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'Bảng tính XLSX'],
  ['dhis2.json', 'application/json', 'DHIS2 (JSON)'],
];
const urls = [];

/** "2026-11" → "11/2026", "2026-Q4" → "Quý IV/2026", "2026" → "Năm 2026". */
export function periodVn(period) {
  if (/^\d{4}-\d{2}$/.test(period)) return `${period.slice(5)}/${period.slice(0, 4)}`;
  if (/^\d{4}-Q[1-4]$/.test(period)) return `Quý ${['I', 'II', 'III', 'IV'][Number(period.slice(-1)) - 1]}/${period.slice(0, 4)}`;
  return `Năm ${period}`;
}

/** A line's value as people read it: Đạt / Chưa đạt, 87%, 11. */
export function valueVn(line) {
  if (line.value === null || line.value === undefined) return '—';
  if (line.unit === 'dat') return line.value >= 1 ? 'Đạt' : 'Chưa đạt';
  const text = String(line.value).replace('.', ',');
  return line.unit === 'percent' ? `${text}%` : text;
}

function lastMonth() {
  const now = new Date();
  const vn = new Date(now.getTime() + (now.getTimezoneOffset() + 420) * 60000);
  vn.setDate(1);
  vn.setMonth(vn.getMonth() - 1);
  return `${vn.getFullYear()}-${String(vn.getMonth() + 1).padStart(2, '0')}`;
}

function apiError(box, form, error) {
  showError(box, form, error);
  if (error.messageEn) box.append(h('p', { class: 'muted', lang: 'en', text: error.messageEn }));
}

const field = (id, text, control) => h('div', { class: 'field' }, h('label', { for: id, text }), control);

export async function render(section, ctx) {
  while (urls.length) URL.revokeObjectURL(urls.pop());
  const box = h('div', { class: 'alert', hidden: true, id: 'rp-alert', role: 'alert' });
  const body = h('div', { id: 'rp-body' });
  const id = ctx.arg || '';
  fill(section, id ? h('p', {}, h('a', { href: '#/reports', text: '← Danh sách báo cáo' })) : null, h('h1', { text: 'Báo cáo' }), box, body);
  try {
    if (id) await detail(body, box, ctx, id);
    else await list(body, box, ctx);
  } catch (error) {
    if (error.status !== 401) apiError(box, null, error);
  }
}

// ---------------------------------------------------------------- the list and a new form

async function list(body, box, ctx) {
  const period = h('input', { id: 'rp-period', name: 'period', value: lastMonth(), placeholder: '2026-11, 2026-Q4 hoặc 2026', required: true });
  const form = h(
    'form',
    { class: 'filter', id: 'rp-new', novalidate: true },
    field('rp-period', 'Kỳ báo cáo (tháng, quý hoặc năm)', period),
    h('button', { type: 'submit', class: 'btn', id: 'rp-open', text: 'Lập báo cáo' }),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearProblems(form, box);
    try {
      const made = await busy(form.querySelector('button'), 'Đang lập…', () => ctx.api.call('POST', '/reports', { body: formValues(form) }));
      window.location.hash = `#/reports/${made.id}`;
    } catch (error) {
      if (error.status !== 401) apiError(box, form, error);
    }
  });
  const found = await ctx.api.call('GET', '/reports');
  const rows = (found.reports || []).map((r) =>
    h(
      'tr',
      {},
      h('td', { 'data-label': 'Báo cáo' }, h('a', { href: `#/reports/${r.id}`, text: r.title_vi })),
      h('td', { 'data-label': 'Kỳ', text: `${KIND[r.period_type]} ${periodVn(r.period)}` }),
      h('td', { 'data-label': 'Phiên bản', class: 'num', text: String(r.version) }),
      h('td', { 'data-label': 'Trạng thái' }, h('span', { class: ['badge', `badge-${r.status}`], text: STATUS[r.status] })),
      h('td', { 'data-label': 'Hạn gửi', text: r.due_date ? r.due_date.split('-').reverse().join('/') : '' }),
      h('td', { 'data-label': 'Cập nhật', class: 'nowrap', text: formatDateTime(r.updated_at) }),
    ),
  );
  fill(
    body,
    h('section', { class: 'card', 'aria-labelledby': 'rp-new-title' }, h('h2', { id: 'rp-new-title', text: 'Lập báo cáo mới' }), form),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'rp-list-title' },
      h('h2', { id: 'rp-list-title', text: 'Các báo cáo' }),
      rows.length
        ? h('table', { class: 'cards', id: 'rp-table' }, h('thead', {}, h('tr', {}, ['Báo cáo', 'Kỳ', 'Phiên bản', 'Trạng thái', 'Hạn gửi', 'Cập nhật'].map((x) => h('th', { scope: 'col', text: x })))), h('tbody', {}, rows))
        : h('p', { class: 'muted', text: 'Chưa có báo cáo nào.' }),
    ),
  );
}

// ---------------------------------------------------------------- one report

async function detail(body, box, ctx, id) {
  const report = await ctx.api.call('GET', `/reports/${encodeURIComponent(id)}`);
  const editable = report.status === 'draft';
  const rows = report.lines.map((line) => {
    const cells = [
      h('td', { 'data-label': 'Mã', class: 'mono', text: line.code }),
      h('td', { 'data-label': 'Chỉ tiêu', text: line.name_vi }),
      h('td', { 'data-label': 'Mục tiêu', text: line.target_text }),
      h('td', { 'data-label': 'Kết quả', class: 'rp-value', text: valueVn(line) }),
      h('td', { 'data-label': 'Nguồn' }, h('span', { text: SOURCE[line.source] }), h('div', { class: 'muted', text: line.source === 'computed' ? line.source_detail_vi : line.evidence || '' })),
    ];
    if (editable && line.source !== 'computed') {
      const value = line.unit === 'dat'
        ? h('select', { name: `v-${line.code}`, 'aria-label': `Kết quả ${line.code}` }, h('option', { value: '', text: '—' }), h('option', { value: '1', text: 'Đạt' }), h('option', { value: '0', text: 'Chưa đạt' }))
        : h('input', { name: `v-${line.code}`, inputmode: 'decimal', size: 6, 'aria-label': `Kết quả ${line.code}` });
      const evidence = h('input', { name: `e-${line.code}`, 'aria-label': `Minh chứng ${line.code}`, placeholder: 'Minh chứng (văn bản, đường dẫn…)' });
      cells.push(h('td', { 'data-label': 'Nhập', class: 'rp-entry' }, value, evidence));
    } else if (editable) cells.push(h('td', { 'data-label': 'Nhập' }));
    return h('tr', { dataset: { code: line.code } }, cells);
  });
  const form = h('form', { id: 'rp-values', novalidate: true }, h('table', { class: 'cards', id: 'rp-lines' },
    h('thead', {}, h('tr', {}, ['Mã', 'Chỉ tiêu', 'Mục tiêu', 'Kết quả', 'Nguồn', ...(editable ? ['Nhập'] : [])].map((x) => h('th', { scope: 'col', text: x })))),
    h('tbody', {}, rows)));
  if (editable) form.append(h('button', { type: 'submit', class: 'btn', id: 'rp-save', text: 'Lưu số liệu' }));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearProblems(form, box);
    const values = formValues(form);
    const entered = report.lines
      .filter((line) => values[`v-${line.code}`] !== undefined && values[`v-${line.code}`] !== '')
      .map((line) => ({ code: line.code, value: Number(String(values[`v-${line.code}`]).replace(',', '.')), evidence: values[`e-${line.code}`] || '' }));
    if (!entered.length) return notify(box, 'error', 'Chưa nhập kết quả nào.');
    try {
      await busy(form.querySelector('#rp-save'), 'Đang lưu…', () => ctx.api.call('PUT', `/reports/${id}/values`, { body: { values: entered } }));
      await render(body.parentElement, ctx);
      notify(document.getElementById('rp-alert'), 'success', `Đã lưu ${entered.length} chỉ tiêu.`);
    } catch (error) {
      if (error.status !== 401) apiError(box, form, error);
    }
  });
  const head = h(
    'div',
    { class: 'card' },
    h('h2', { id: 'rp-title', text: report.title_vi }),
    h('p', {}, 'Trạng thái: ', h('strong', { id: 'rp-status', text: STATUS[report.status] }), ` · phiên bản ${report.version}`,
      report.due_date ? ` · hạn gửi ${report.due_date.split('-').reverse().join('/')}` : '',
      report.correction_reason ? ` · đính chính: ${report.correction_reason}` : ''),
    h('ol', { class: 'muted', id: 'rp-steps' }, report.steps.map((s) => h('li', { text: `${STATUS[s.status]}: ${s.by_name}, ${formatDateTime(s.at)}${s.note ? ` — ${s.note}` : ''}` }))),
    actions(report, ctx, box, body),
  );
  fill(body, head, h('section', { class: 'card' }, form), report.status === 'sent' ? files(report, ctx, box) : null);
}

function actions(report, ctx, box, body) {
  const admin = ctx.me.roles.includes('admin');
  const step = (label, path, extra) => {
    const button = h('button', { type: 'button', class: 'btn', text: label, dataset: { step: path } });
    button.addEventListener('click', async () => {
      clearProblems(null, box);
      const payload = extra ? extra() : {};
      if (payload === null) return;
      try {
        await busy(button, 'Đang xử lý…', () => ctx.api.call('POST', `/reports/${report.id}/${path}`, { body: payload }));
        await render(body.parentElement, ctx);
      } catch (error) {
        if (error.status !== 401) apiError(box, null, error);
      }
    });
    return button;
  };
  const buttons = [];
  if (report.status === 'draft') buttons.push(step('Trình lãnh đạo', 'submit'));
  if (report.status === 'submitted' && admin) buttons.push(step('Duyệt', 'approve'));
  if (['submitted', 'approved'].includes(report.status) && admin) buttons.push(step('Trả lại văn phòng', 'return'));
  if (report.status === 'approved' && admin) buttons.push(step('Ký và gửi', 'send'));
  if (report.status === 'sent') {
    const reason = h('input', { id: 'rp-reason', name: 'reason', placeholder: 'Lý do đính chính' });
    buttons.push(field('rp-reason', 'Đính chính (tạo phiên bản mới)', reason));
    buttons.push(step('Đính chính', 'corrections', () => ({ reason: reason.value.trim() })));
  }
  return h('div', { class: 'actions', id: 'rp-actions' }, buttons);
}

function files(report, ctx, box) {
  const links = FILES.map(([name, accept, label]) => {
    const button = h('button', { type: 'button', class: 'btn btn-secondary', text: label, dataset: { file: name } });
    button.addEventListener('click', async () => {
      try {
        const response = await fetch(`${API_BASE}/reports/${report.id}/${name}`, { headers: { Accept: accept, Authorization: `Bearer ${ctx.api.token}` }, cache: 'no-store' });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        const url = URL.createObjectURL(await response.blob());
        urls.push(url);
        const link = h('a', { href: url, download: `${report.id}-v${report.version}-${name}`, text: name });
        link.click();
      } catch {
        notify(box, 'error', 'Không tải được tệp; vui lòng thử lại.');
      }
    });
    return button;
  });
  return h(
    'section',
    { class: 'card', id: 'rp-files', 'aria-labelledby': 'rp-files-title' },
    h('h2', { id: 'rp-files-title', text: 'Bản đã ký và tệp xuất' }),
    h('p', { class: 'muted', text: `SHA-256 của tài liệu đã ký: ${report.document_sha256}` }),
    h('div', { class: 'actions' }, links),
  );
}
