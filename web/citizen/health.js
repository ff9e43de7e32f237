// The health station (loaded on demand by citizen.js at #/kham-benh): free slots by service and day, booking for
// oneself or a household member, my bookings with their queue numbers (cancel), and the remote-consultation
// waiting page with its chat (#/kham-benh/tu-xa/<booking>/<room>). Times in Vietnam's time zone.
import { language } from '/shared/i18n.js';
import { busy, clearProblems, fill, formatDate, formatDateTime, h, notify, parseDateVn, showError, TIME_ZONE } from '/shared/sc.js';

const TEXT = {
  vi: {
    title: 'Đặt lịch khám tại Trạm y tế',
    back: '← Trang chính',
    service: 'Dịch vụ',
    day: 'Ngày khám',
    patient: 'Người khám',
    me: 'Bản thân tôi',
    slots: 'Khung giờ còn chỗ',
    none: 'Không còn khung giờ trống trong ngày này.',
    places: (n) => `còn ${n} chỗ`,
    book: 'Đặt lịch',
    booking: 'Đang đặt…',
    booked: 'Đã đặt lịch. Tin nhắn xác nhận đã được gửi.',
    queue: 'Số thứ tự',
    code: 'Mã đặt lịch',
    mine: 'Lịch hẹn của tôi',
    no_bookings: 'Bạn chưa có lịch hẹn nào.',
    cancel: 'Hủy lịch',
    cancelled: 'Đã hủy lịch hẹn.',
    confirm: 'Hủy lịch hẹn này?',
    remote: 'Vào phòng khám từ xa',
    status: { booked: 'Đã đặt', checked_in: 'Đã đến trạm', called: 'Đang khám', done: 'Đã khám', cancelled: 'Đã hủy', no_show: 'Vắng mặt' },
    signin: 'Đăng nhập để đặt lịch khám.',
    signin_btn: 'Đăng nhập',
    member_title: 'Thêm người trong hộ (con nhỏ, ông bà…)',
    member_name: 'Họ và tên',
    member_birth: 'Ngày sinh (dd/mm/yyyy)',
    member_relation: 'Quan hệ',
    relations: { child: 'Con', parent: 'Bố/mẹ', spouse: 'Vợ/chồng', grandchild: 'Cháu', other: 'Khác' },
    member_add: 'Thêm',
    member_added: 'Đã thêm người trong hộ.',
    bad_date: 'Ngày sinh chưa đúng dạng dd/mm/yyyy.',
    room: 'Phòng chờ khám từ xa',
    room_wait: 'Bác sĩ sẽ vào phòng đúng giờ hẹn. Trong lúc chờ, bạn có thể nhắn tin cho bác sĩ.',
    chat: 'Tin nhắn',
    send: 'Gửi',
    no_chat: 'Chưa có tin nhắn.',
    loading: 'Đang tải…',
    pharmacies: 'Nhà thuốc gần bạn',
    near_me: 'Tìm theo vị trí của tôi',
    open_now: 'Đang mở cửa',
    closed: 'Đã đóng cửa',
    km: (d) => `cách ${String(d).replace('.', ',')} km`,
  },
  en: {
    title: 'Book at the health station',
    back: '← Home',
    service: 'Service',
    day: 'Day',
    patient: 'Patient',
    me: 'Myself',
    slots: 'Slots with places left',
    none: 'No free slot on this day.',
    places: (n) => `${n} left`,
    book: 'Book',
    booking: 'Booking…',
    booked: 'Booked. A confirmation SMS is on its way.',
    queue: 'Queue number',
    code: 'Booking code',
    mine: 'My bookings',
    no_bookings: 'You have no booking yet.',
    cancel: 'Cancel',
    cancelled: 'The booking is cancelled.',
    confirm: 'Cancel this booking?',
    remote: 'Open the consultation room',
    status: { booked: 'Booked', checked_in: 'Arrived', called: 'In consultation', done: 'Seen', cancelled: 'Cancelled', no_show: 'Did not come' },
    signin: 'Sign in to book.',
    signin_btn: 'Sign in',
    member_title: 'Add a household member (a child, a grandparent…)',
    member_name: 'Full name',
    member_birth: 'Date of birth (dd/mm/yyyy)',
    member_relation: 'Relation',
    relations: { child: 'Child', parent: 'Parent', spouse: 'Spouse', grandchild: 'Grandchild', other: 'Other' },
    member_add: 'Add',
    member_added: 'Household member added.',
    bad_date: 'The date of birth must read dd/mm/yyyy.',
    room: 'Remote consultation room',
    room_wait: 'The doctor joins at the booked time. Meanwhile you can write to the doctor.',
    chat: 'Messages',
    send: 'Send',
    no_chat: 'No message yet.',
    loading: 'Loading…',
    pharmacies: 'Pharmacies near you',
    near_me: 'Use my location',
    open_now: 'Open now',
    closed: 'Closed',
    km: (d) => `${d} km away`,
  },
};

const HOUR = new Intl.DateTimeFormat('en-GB', { timeZone: TIME_ZONE, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
const DAY = new Intl.DateTimeFormat('en-CA', { timeZone: TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit' });
const field = (id, text, control) => h('div', { class: 'field' }, h('label', { for: id, text }), control);

export async function render(view, ctx) {
  const say = TEXT[language()] || TEXT.vi;
  const room = /^#\/kham-benh\/tu-xa\/([0-9a-f]{32})\//.exec(ctx.hash);
  if (room) return waitingRoom(view, ctx, say, room[1]);
  const base = `/communes/${encodeURIComponent(ctx.communeId)}/health`;
  const setup = await ctx.api.call('GET', `${base}/setup`);
  const box = h('div', { class: 'alert', hidden: true, id: 'hb-alert', tabindex: '-1' });
  const result = h('section', { class: 'card', id: 'hb-result', hidden: true, 'aria-live': 'polite' });
  const service = h('select', { id: 'hb-service', name: 'service' }, setup.services.map((s) => h('option', { value: s.code, text: s.name })));
  const today = new Date();
  const days = Array.from({ length: 7 }, (_, i) => DAY.format(new Date(today.getTime() + i * 86400000)));
  const day = h('select', { id: 'hb-day', name: 'day' }, days.map((d) => h('option', { value: d, text: formatDate(d) })));
  const patient = h('select', { id: 'hb-patient', name: 'member_id' }, h('option', { value: '', text: say.me }));
  const list = h('ul', { class: 'fb-list', id: 'hb-slots', 'aria-live': 'polite' });
  const mine = h('ul', { class: 'fb-list', id: 'hb-mine' });
  const members = h('section', { class: 'card', id: 'hb-members' });
  const pharmacies = h('section', { class: 'card', id: 'hb-pharmacies', hidden: true });
  fill(
    view,
    h('p', {}, h('a', { href: '#/', text: say.back })),
    h('h1', { text: say.title }),
    box,
    result,
    h('form', { class: 'card', id: 'hb-form', novalidate: true }, field('hb-service', say.service, service), field('hb-day', say.day, day), ctx.api.token ? field('hb-patient', say.patient, patient) : null),
    h('h2', { text: say.slots }),
    list,
    ctx.api.token ? [h('h2', { text: say.mine }), mine, pharmacies, members] : h('p', { class: 'card' }, say.signin, ' ', h('a', { class: 'btn btn-small', href: '#/', text: say.signin_btn })),
  );
  let asked = 0; // only the answer to the latest choice is drawn (an earlier one may arrive after it)
  const loadSlots = async () => {
    const mine = ++asked;
    const chosen = day.value;
    fill(list, h('li', { class: 'muted', text: say.loading }));
    delete list.dataset.day;
    try {
      const page = await ctx.api.call('GET', `${base}/slots`, { query: { day: chosen, service: service.value } });
      if (mine !== asked) return;
      list.dataset.day = chosen;
      const free = (page.items || []).filter((s) => s.free_places > 0);
      fill(list, free.length ? free.map((s) => slotItem(s, say, ctx, bookSlot)) : h('li', { class: 'muted', text: say.none }));
    } catch (error) {
      showError(box, null, error);
    }
  };
  const loadMine = async () => {
    if (!ctx.api.token) return;
    const page = await ctx.api.call('GET', '/me/health/bookings');
    const items = page.items || [];
    fill(mine, items.length ? items.map((b) => bookingItem(b, say, ctx, cancel)) : h('li', { class: 'muted', text: say.no_bookings }));
  };
  const loadMembers = async () => {
    if (!ctx.api.token) return;
    const page = await ctx.api.call('GET', '/me/health/members');
    fill(patient, h('option', { value: '', text: say.me }), (page.items || []).map((m) => h('option', { value: m.id, text: m.full_name })));
  };
  async function bookSlot(slot, button) {
    clearProblems(null, box);
    const body = { slot_id: slot.id };
    if (patient.value) body.member_id = patient.value;
    try {
      const booking = await busy(button, say.booking, () => ctx.api.call('POST', '/me/health/bookings', { body }));
      fill(
        result,
        h('p', { text: say.booked }),
        h('p', { class: 'hb-queue' }, `${say.queue}: `, h('strong', { id: 'hb-queue', text: booking.queue_number })),
        h('p', {}, `${say.code}: `, h('strong', { id: 'hb-code', text: booking.code })),
        h('p', { class: 'fb-meta', text: `${slot.service_name} · ${formatDateTime(booking.start)} · ${slot.practitioner_name}` }),
      );
      result.hidden = false;
      result.scrollIntoView({ block: 'nearest' });
      await Promise.all([loadSlots(), loadMine()]);
    } catch (error) {
      if (error.status !== 401) showError(box, null, error);
      box.focus();
    }
  }
  async function cancel(booking, button) {
    if (!window.confirm(say.confirm)) return;
    try {
      await busy(button, say.loading, () => ctx.api.call('POST', `/health/bookings/${booking.id}/cancel`));
      notify(box, 'success', say.cancelled);
      await Promise.all([loadSlots(), loadMine()]);
    } catch (error) {
      showError(box, null, error);
    }
  }
  service.addEventListener('change', loadSlots);
  day.addEventListener('change', loadSlots);
  view.querySelector('#hb-form').addEventListener('submit', (event) => event.preventDefault());
  if (ctx.api.token) memberForm(members, ctx, say, loadMembers);
  await Promise.all([loadSlots(), loadMine().catch(() => {}), loadMembers().catch(() => {})]);
  if (ctx.api.token) pharmacyList(pharmacies, ctx, say).catch(() => {});
}

// Shown only to a patient with a prescription (the API lists none for the others): nearest first when the phone says where.
async function pharmacyList(section, ctx, say, query = {}) {
  let page;
  try {
    page = await ctx.api.call('GET', '/me/health/pharmacies', { query });
  } catch {
    page = { prescription: false };
  }
  if (!page.prescription) {
    section.hidden = true;
    return;
  }
  const near = h('button', { type: 'button', class: 'btn btn-secondary btn-small', text: say.near_me });
  near.addEventListener('click', () =>
    navigator.geolocation?.getCurrentPosition((p) => pharmacyList(section, ctx, say, { lat: p.coords.latitude.toFixed(4), lon: p.coords.longitude.toFixed(4) })),
  );
  const item = (p) =>
    h(
      'li',
      { class: 'fb-item' },
      h('h3', { text: p.name }),
      h('p', { class: 'fb-meta', text: [p.address, p.distance_km === null ? null : say.km(p.distance_km)].filter(Boolean).join(' · ') }),
      h('p', { class: 'fb-meta' }, h('span', { class: 'badge', text: p.open_now ? say.open_now : say.closed }), ` ${p.opens}–${p.closes}`, p.phone ? ` · ${p.phone.replace('+84', '0')}` : ''),
    );
  fill(section, h('h2', { text: say.pharmacies }), navigator.geolocation ? near : null, h('ul', { class: 'fb-list' }, (page.items || []).map(item)));
  section.hidden = false;
}

function slotItem(slot, say, ctx, bookSlot) {
  const button = h('button', { type: 'button', class: 'btn btn-small', text: say.book, disabled: !ctx.api.token, dataset: { slot: slot.id } });
  button.addEventListener('click', () => bookSlot(slot, button));
  return h(
    'li',
    { class: 'fb-item hb-slot' },
    h('h3', { text: `${HOUR.format(new Date(slot.start))} – ${HOUR.format(new Date(slot.end))}` }),
    h('p', { class: 'fb-meta', text: `${slot.practitioner_name} · ${say.places(slot.free_places)}` }),
    button,
  );
}

function bookingItem(b, say, ctx, cancel) {
  const open = ['booked', 'checked_in'].includes(b.status);
  const button = open ? h('button', { type: 'button', class: 'btn btn-secondary btn-small', text: say.cancel }) : null;
  if (button) button.addEventListener('click', () => cancel(b, button));
  return h(
    'li',
    { class: 'fb-item', dataset: { id: b.id } },
    h('p', {}, h('span', { class: 'badge', text: say.status[b.status] || b.status }), ' ', h('strong', { class: 'hb-number', text: `${say.queue} ${b.queue_number}` })),
    h('p', { class: 'fb-meta', text: `${formatDateTime(b.start)} · ${b.patient_name || ''} · ${say.code} ${b.code}` }),
    b.meeting_url && open ? h('p', {}, h('a', { href: b.meeting_url, text: say.remote })) : null,
    button,
  );
}

function memberForm(section, ctx, say, reload) {
  const box = h('div', { class: 'alert', hidden: true });
  const relation = h('select', { id: 'hm-relation', name: 'relation' }, Object.entries(say.relations).map(([k, v]) => h('option', { value: k, text: v })));
  const add = h('button', { type: 'submit', class: 'btn', text: say.member_add });
  const form = h(
    'form',
    { id: 'hm-form', novalidate: true },
    field('hm-name', say.member_name, h('input', { id: 'hm-name', name: 'full_name', maxlength: 100, required: true })),
    field('hm-birth', say.member_birth, h('input', { id: 'hm-birth', name: 'birth_date', inputmode: 'numeric', maxlength: 10, placeholder: 'dd/mm/yyyy' })),
    field('hm-relation', say.member_relation, relation),
    h('div', { class: 'actions' }, add),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearProblems(form, box);
    const birth = parseDateVn(form.elements.birth_date.value);
    if (!birth) {
      notify(box, 'error', say.bad_date);
      return;
    }
    const body = { full_name: form.elements.full_name.value.trim(), birth_date: birth, relation: relation.value };
    try {
      await busy(add, say.loading, () => ctx.api.call('POST', '/me/health/members', { body }));
      notify(box, 'success', say.member_added);
      form.reset();
      await reload();
    } catch (error) {
      showError(box, form, error);
    }
  });
  fill(section, h('h2', { text: say.member_title }), box, form);
}

async function waitingRoom(view, ctx, say, bookingId) {
  const box = h('div', { class: 'alert', hidden: true });
  const chat = h('ul', { class: 'fb-list', id: 'hr-chat', 'aria-live': 'polite' });
  const send = h('button', { type: 'submit', class: 'btn', text: say.send });
  const form = h('form', { id: 'hr-form', novalidate: true }, field('hr-text', say.chat, h('textarea', { id: 'hr-text', name: 'text', maxlength: 1000, rows: 3, required: true })), h('div', { class: 'actions' }, send));
  const info = h('p', { class: 'fb-meta', id: 'hr-when' });
  fill(view, h('p', {}, h('a', { href: '#/kham-benh', text: say.back })), h('h1', { text: say.room }), info, h('p', { text: say.room_wait }), box, h('h2', { text: say.chat }), chat, form);
  if (!ctx.api.token) {
    notify(box, 'info', say.signin);
    return;
  }
  const load = async () => {
    const page = await ctx.api.call('GET', `/health/bookings/${bookingId}/messages`);
    const items = page.items || [];
    fill(chat, items.length ? items.map((m) => h('li', { class: 'fb-item' }, h('p', { class: 'fb-meta', text: formatDateTime(m.at) }), h('p', { class: 'fb-text', text: m.text }))) : h('li', { class: 'muted', text: say.no_chat }));
  };
  try {
    const booking = await ctx.api.call('GET', `/health/bookings/${bookingId}`);
    fill(info, `${formatDateTime(booking.start)} · ${say.code} ${booking.code}`);
    await load();
  } catch (error) {
    showError(box, null, error);
    return;
  }
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const text = form.elements.text.value.trim();
    if (!text) return;
    try {
      await busy(send, say.loading, () => ctx.api.call('POST', `/health/bookings/${bookingId}/messages`, { body: { text } }));
      form.reset();
      await load();
    } catch (error) {
      showError(box, form, error);
    }
  });
}
