// Waste collection schedule (loaded on demand by citizen.js at #/thu-gom-rac; no sign-in needed): the hamlet's next
// collections with their day, time window and route, the days a holiday (Tết…) or the commune moved and why, the
// hamlet's iCalendar feed to subscribe to on a phone, and, for a signed-in citizen, a report that the truck did not
// come (it becomes feedback in the environment field).
import { language } from '/shared/i18n.js';
import { API_BASE, busy, clearProblems, fieldProblem, fill, formatDate, formValues, h, notify, parseDateVn, showError } from '/shared/sc.js';

const TEXT = {
  vi: {
    title: 'Lịch thu gom rác',
    back: '← Trang chính',
    hamlet: 'Xóm',
    intro: 'Các lần thu gom trong bốn tuần tới. Vui lòng để rác ở điểm tập kết trước giờ thu gom.',
    none: 'Xóm này chưa có lịch thu gom trong bốn tuần tới.',
    moved: 'Đổi ngày',
    was: 'Lịch cũ: {day}',
    feed: 'Đăng ký lịch vào điện thoại',
    feed_hint: 'Mở liên kết trên điện thoại để thêm lịch vào ứng dụng Lịch; lịch tự cập nhật khi xã đổi ngày thu gom.',
    missed: 'Xe chưa đến thu gom?',
    missed_hint: 'Báo cho UBND xã: phản ánh được chuyển đến cán bộ môi trường và bạn theo dõi được kết quả.',
    day: 'Ngày thu gom (dd/mm/yyyy)',
    details: 'Chi tiết (không bắt buộc)',
    report: 'Báo chưa thu gom',
    sending: 'Đang gửi…',
    bad_day: 'Vui lòng nhập ngày theo dạng dd/mm/yyyy.',
    sent: 'Đã gửi báo cáo chưa thu gom. Mã theo dõi: {code}.',
    follow: 'Theo dõi trong Phản ánh của tôi',
    signin: 'Đăng nhập để báo xe chưa đến thu gom.',
    signin_link: 'Đăng nhập',
    loading: 'Đang tải…',
    weekdays: ['Chủ nhật', 'Thứ Hai', 'Thứ Ba', 'Thứ Tư', 'Thứ Năm', 'Thứ Sáu', 'Thứ Bảy'],
  },
  en: {
    title: 'Waste collection schedule',
    back: '← Home',
    hamlet: 'Hamlet',
    intro: 'Collections in the next four weeks. Please leave your waste at the collection point before the time.',
    none: 'This hamlet has no collection in the next four weeks.',
    moved: 'Day moved',
    was: 'Planned for {day}',
    feed: 'Add the schedule to my phone',
    feed_hint: 'Open the link on your phone to add it to your calendar app; it updates itself when the commune moves a day.',
    missed: 'The truck did not come?',
    missed_hint: 'Tell the commune: the report goes to the environment officer and you can follow it.',
    day: 'Collection day (dd/mm/yyyy)',
    details: 'Details (optional)',
    report: 'Report a missed collection',
    sending: 'Sending…',
    bad_day: 'Please enter the day as dd/mm/yyyy.',
    sent: 'Your missed-collection report was sent. Tracking code: {code}.',
    follow: 'Follow it in My feedback',
    signin: 'Sign in to report a missed collection.',
    signin_link: 'Sign in',
    loading: 'Loading…',
    weekdays: ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'],
  },
};

/** "2026-12-03" → "Thứ Năm, 03/12/2026" (a plain date: its weekday does not depend on the time zone). */
function dayLabel(iso, say) {
  const [y, m, d] = iso.split('-').map(Number);
  return `${say.weekdays[new Date(Date.UTC(y, m - 1, d)).getUTCDay()]}, ${formatDate(iso)}`;
}

const field = (id, text, control) => h('div', { class: 'field' }, h('label', { for: id, text }), control);

export async function render(view, ctx) {
  const say = TEXT[language()] || TEXT.vi;
  const hamlets = (ctx.commune && ctx.commune.hamlets) || [];
  const box = h('div', { class: 'alert', hidden: true, id: 'waste-alert' });
  const select = h('select', { id: 'waste-hamlet', name: 'hamlet_id' }, hamlets.map((x) => h('option', { value: x.id, text: x.name })));
  const body = h('div', { id: 'waste-body', 'aria-live': 'polite' }, h('p', { class: 'muted', text: say.loading }));
  const feed = h('p', { id: 'waste-feed-box', hidden: true });
  const missed = h('section', { class: 'card', id: 'waste-missed' });
  fill(
    view,
    h('p', {}, h('a', { href: '#/', text: say.back })),
    h('h1', { text: say.title }),
    h('p', { class: 'muted', text: say.intro }),
    field('waste-hamlet', say.hamlet, select),
    box,
    feed,
    body,
    missed,
  );
  let me = null;
  if (ctx.api.token) {
    try {
      me = await ctx.api.call('GET', '/me');
    } catch {
      me = null; // a refused session is handled by the portal; the schedule stays public
    }
  }
  if (me && hamlets.some((x) => x.id === me.hamlet_id)) select.value = me.hamlet_id;
  let calendars = null;
  const load = async () => {
    clearProblems(null, box);
    const hamlet = select.value;
    fill(body, h('p', { class: 'muted', text: say.loading }));
    try {
      const path = `/public/waste/${encodeURIComponent(ctx.communeId)}/${encodeURIComponent(hamlet)}`;
      const [schedule, links] = await Promise.all([
        ctx.api.call('GET', path),
        calendars || ctx.api.call('GET', '/public/waste/calendars', { query: { commune_id: ctx.communeId } }),
      ]);
      calendars = links;
      if (select.value !== hamlet) return; // another hamlet was chosen meanwhile
      drawSchedule(body, schedule, say);
      const link = (links.items || []).find((x) => x.hamlet === hamlet && x.commune_id === schedule.commune_id);
      drawFeed(feed, (link && link.url) || schedule.calendar_url, say);
    } catch (error) {
      fill(body);
      feed.hidden = true;
      showError(box, null, error);
    }
  };
  select.addEventListener('change', load);
  if (me) drawReport(missed, ctx, say, () => select.value);
  else fill(missed, h('h2', { text: say.missed }), h('p', { text: say.signin }), h('p', {}, h('a', { href: '#/', text: say.signin_link })));
  await load();
}

function drawSchedule(body, schedule, say) {
  const items = schedule.upcoming || [];
  if (!items.length) {
    fill(body, h('p', { class: 'muted', id: 'waste-none', text: say.none }));
    return;
  }
  fill(
    body,
    h(
      'ul',
      { class: 'fb-list', id: 'waste-list', dataset: { hamlet: schedule.hamlet_id } },
      items.map((x) => {
        const moved = x.day !== x.planned_day || Boolean(x.note);
        return h(
          'li',
          { class: ['fb-item', 'waste-item', moved ? 'waste-moved' : null], dataset: { day: x.day, route: x.route_id } },
          moved ? h('p', {}, h('span', { class: ['badge', 'prio-emergency'], text: say.moved })) : null,
          h('h3', { class: 'waste-day', text: dayLabel(x.day, say) }),
          h('p', { class: 'fb-meta', text: `${x.start}–${x.end} · ${x.route_name}` }),
          x.streets ? h('p', { class: 'fb-meta', text: x.streets }) : null,
          moved
            ? h('p', { class: 'waste-note' }, h('strong', { text: say.was.replace('{day}', dayLabel(x.planned_day, say)) }), x.note ? ` — ${x.note}` : null)
            : null,
        );
      }),
    ),
  );
}

function drawFeed(feed, url, say) {
  const href = /^https?:\/\//.test(url) ? url : `${API_BASE}${url}`;
  fill(feed, h('a', { class: 'btn', id: 'waste-feed', href, type: 'text/calendar', text: say.feed }), h('span', { class: 'hint', text: ` ${say.feed_hint}` }));
  feed.hidden = false;
}

function drawReport(section, ctx, say, hamlet) {
  const alert = h('div', { class: 'alert', hidden: true, id: 'waste-missed-alert', tabindex: '-1' });
  const send = h('button', { type: 'submit', class: 'btn btn-secondary', text: say.report });
  const form = h(
    'form',
    { id: 'waste-missed-form', novalidate: true },
    field('waste-day', say.day, h('input', { id: 'waste-day', name: 'day', inputmode: 'numeric', autocomplete: 'off', maxlength: 10, value: formatDate(new Date()) })),
    field('waste-details', say.details, h('textarea', { id: 'waste-details', name: 'details', rows: 2, maxlength: 1000 })),
    h('div', { class: 'actions' }, send),
  );
  fill(section, h('h2', { text: say.missed }), h('p', { class: 'muted', text: say.missed_hint }), alert, form);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearProblems(form, alert);
    const values = formValues(form);
    const day = parseDateVn(values.day);
    if (!day) return void fieldProblem(form, 'day', say.bad_day);
    try {
      const body = { hamlet_id: hamlet(), day, details: values.details || '' };
      const created = await busy(send, say.sending, () => ctx.api.call('POST', '/waste/missed', { body }));
      notify(alert, 'success', say.sent.replace('{code}', created.tracking_code || ''), ' ', h('a', { href: '#/phan-anh', text: say.follow }));
      alert.dataset.feedback = created.id || '';
      form.elements.details.value = '';
    } catch (error) {
      if (error.status !== 401) showError(alert, form, error);
    }
    alert.focus();
  });
}
