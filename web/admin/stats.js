// Feedback statistics for staff (loaded on demand by admin.js): by field, unit, hamlet and status, on-time rate,
// average rating and the daily trend. Bars are <meter> elements: no inline styles, which the CSP would refuse.
import { label } from '/shared/i18n.js';
import { clearProblems, fieldProblem, fill, formatDate, formValues, h, parseDateVn, showError } from '/shared/sc.js';

const DAY_MS = 86400000;

/** [[key, count]] from either {key: n | {count|total}} or [{code|key|…, count|total}]. */
function pairs(data) {
  const count = (v) => (typeof v === 'number' ? v : Number(v?.count ?? v?.total ?? v?.received ?? 0));
  if (Array.isArray(data)) return data.map((r) => [r.code ?? r.key ?? r.id ?? r.field ?? r.unit ?? r.hamlet ?? r.status, count(r)]);
  return Object.entries(data || {}).map(([k, v]) => [k, count(v)]);
}

function table(id, title, rows, name) {
  const max = Math.max(1, ...rows.map(([, n]) => n));
  return h(
    'section',
    { class: 'card stat-table', id },
    h('h2', { text: title }),
    rows.length
      ? h(
          'table',
          {},
          h('tbody', {}, rows.sort((a, b) => b[1] - a[1]).map(([key, n]) => h('tr', {}, h('th', { scope: 'row', text: name(key) }), h('td', { class: 'num', text: n }), h('td', { class: 'bar' }, h('meter', { min: 0, max, value: n }))))),
        )
      : h('p', { class: 'muted', text: 'Chưa có số liệu.' }),
  );
}

const isoDay = (date) => new Date(date.getTime() + 7 * 3600000).toISOString().slice(0, 10); // the day in Vietnam

export async function render(section, ctx) {
  const now = new Date();
  const form = h(
    'form',
    { id: 'stats-filter', class: 'card filter', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: 'st-from', text: 'Từ ngày' }), h('input', { id: 'st-from', name: 'from', inputmode: 'numeric', maxlength: 10, placeholder: 'dd/mm/yyyy', value: formatDate(isoDay(new Date(now - 29 * DAY_MS))) })),
    h('div', { class: 'field' }, h('label', { for: 'st-to', text: 'Đến ngày' }), h('input', { id: 'st-to', name: 'to', inputmode: 'numeric', maxlength: 10, placeholder: 'dd/mm/yyyy', value: formatDate(isoDay(now)) })),
    h('div', { class: 'field' }, h('button', { type: 'submit', class: 'btn', text: 'Xem' })),
  );
  const box = h('div', { class: 'alert', hidden: true });
  const out = h('div', { id: 'stats-out' });
  fill(section, h('div', { class: 'section-head' }, h('h1', { text: 'Thống kê phản ánh' }), h('a', { class: 'btn btn-secondary', href: '#/feedback', text: 'Hộp phản ánh' })), form, box, out);
  let fields = [];
  try {
    fields = (await ctx.api.call('GET', `/communes/${encodeURIComponent(ctx.commune.id)}/feedback-fields`)).items || [];
  } catch {
    // Codes are shown instead of names.
  }
  const fieldName = (code) => fields.find((f) => f.code === code)?.name || code;
  const load = async () => {
    clearProblems(form, box);
    const values = formValues(form);
    const from = parseDateVn(values.from);
    const to = parseDateVn(values.to);
    if (from === undefined) fieldProblem(form, 'from', 'Ngày phải theo dạng dd/mm/yyyy.');
    if (to === undefined) fieldProblem(form, 'to', 'Ngày phải theo dạng dd/mm/yyyy.');
    if (from === undefined || to === undefined) return;
    try {
      const st = await ctx.api.call('GET', '/staff/feedback/stats', { query: { from, to } });
      const rate = st.on_time_rate == null ? '—' : `${Math.round(Number(st.on_time_rate) * (st.on_time_rate <= 1 ? 100 : 1))}%`;
      const avg = st.average_rating == null ? '—' : `${Number(st.average_rating).toFixed(1).replace('.', ',')} / 5`;
      const total = st.received ?? pairs(st.by_status).reduce((sum, [, n]) => sum + n, 0);
      const trend = st.trend || [];
      const peak = Math.max(1, ...trend.map((d) => Math.max(d.received || 0, d.resolved || 0)));
      fill(
        out,
        h(
          'ul',
          { class: 'grid grid-3 kpis' },
          h('li', { class: 'tile', id: 'kpi-total' }, h('p', { text: 'Tổng số phản ánh' }), h('strong', { text: total })),
          h('li', { class: 'tile', id: 'kpi-on-time' }, h('p', { text: 'Tỉ lệ xử lý đúng hạn' }), h('strong', { text: rate })),
          h('li', { class: 'tile', id: 'kpi-rating' }, h('p', { text: 'Mức hài lòng trung bình' }), h('strong', { text: avg }), h('p', { text: `${st.ratings_count || 0} lượt đánh giá` })),
        ),
        h(
          'div',
          { class: 'grid' },
          table('by-status', 'Theo trạng thái', pairs(st.by_status), (k) => label('fb', k)),
          table('by-field', 'Theo lĩnh vực', pairs(st.by_field), fieldName),
          table('by-unit', 'Theo đơn vị xử lý', pairs(st.by_unit), (k) => label('role', k)),
          table('by-hamlet', 'Theo xóm', pairs(st.by_hamlet), (k) => ctx.hamletNames.get(k) || k),
        ),
        h(
          'section',
          { class: 'card', id: 'trend' },
          h('h2', { text: 'Diễn biến theo ngày' }),
          trend.length
            ? h(
                'div',
                { class: 'table-wrap' },
                h(
                  'table',
                  {},
                  h('thead', {}, h('tr', {}, ['Ngày', 'Tiếp nhận', '', 'Đã xử lý', ''].map((text) => h('th', { scope: 'col', text })))),
                  h('tbody', {}, trend.map((d) => h('tr', {}, h('td', { class: 'nowrap', text: formatDate(d.day) }), h('td', { class: 'num', text: d.received || 0 }), h('td', { class: 'bar' }, h('meter', { min: 0, max: peak, value: d.received || 0 })), h('td', { class: 'num', text: d.resolved || 0 }), h('td', { class: 'bar' }, h('meter', { min: 0, max: peak, value: d.resolved || 0 }))))),
                ),
              )
            : h('p', { class: 'muted', text: 'Chưa có số liệu.' }),
        ),
      );
    } catch (error) {
      if (error.status !== 401) showError(box, form, error);
    }
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    load();
  });
  await load();
}
