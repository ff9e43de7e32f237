// The commune's alerts (loaded on demand by citizen.js at #/thong-bao): active and past, newest first, emergencies
// highlighted, filtered by hamlet; signed-in citizens choose the hamlets whose alerts reach them by SMS.
import { language } from '/shared/i18n.js';
import { busy, clearProblems, fill, formatDateTime, h, notify, showError } from '/shared/sc.js';

const TEXT = {
  vi: {
    title: 'Thông báo, cảnh báo',
    hamlet: 'Xóm',
    all: 'Tất cả các xóm',
    none: 'Chưa có thông báo nào.',
    area: 'Khu vực',
    from: 'Nơi gửi',
    sent: 'Thời gian',
    until: 'Hiệu lực đến',
    guide: 'Hướng dẫn: ',
    cap: 'Bản tin CAP',
    status: { active: 'Đang hiệu lực', past: 'Đã hết hiệu lực', cancelled: 'Đã hủy' },
    priority: { normal: 'Thông báo', priority: 'Ưu tiên', emergency: 'Khẩn cấp' },
    sub_title: 'Nhận cảnh báo qua tin nhắn SMS',
    sub_hint: 'Chọn các xóm bạn muốn nhận cảnh báo.',
    sub_on: 'Nhận tin nhắn SMS cảnh báo',
    sub_save: 'Lưu đăng ký',
    sub_saved: 'Đã lưu đăng ký nhận cảnh báo.',
    sub_off: 'Đã tắt nhận cảnh báo qua SMS.',
    sub_signin: 'Đăng nhập để nhận cảnh báo qua tin nhắn SMS.',
    signin: 'Đăng nhập',
    back: '← Trang chính',
    loading: 'Đang tải…',
    saving: 'Đang lưu…',
  },
  en: {
    title: 'Announcements and alerts',
    hamlet: 'Hamlet',
    all: 'All hamlets',
    none: 'No announcements yet.',
    area: 'Area',
    from: 'From',
    sent: 'Sent',
    until: 'Valid until',
    guide: 'What to do: ',
    cap: 'CAP alert',
    status: { active: 'Active', past: 'Expired', cancelled: 'Cancelled' },
    priority: { normal: 'Notice', priority: 'Priority', emergency: 'Emergency' },
    sub_title: 'Alerts by SMS',
    sub_hint: 'Choose the hamlets whose alerts you want to receive.',
    sub_on: 'Send me SMS alerts',
    sub_save: 'Save',
    sub_saved: 'Your alert subscription is saved.',
    sub_off: 'SMS alerts are turned off.',
    sub_signin: 'Sign in to receive alerts by SMS.',
    signin: 'Sign in',
    back: '← Home',
    loading: 'Loading…',
    saving: 'Saving…',
  },
};

let hamletChoice = '';

export async function render(view, ctx) {
  const say = TEXT[language()] || TEXT.vi;
  const en = language() === 'en';
  const hamlets = ctx.commune.hamlets || [];
  const select = h(
    'select',
    { id: 'al-hamlet', name: 'hamlet' },
    h('option', { value: '', text: say.all }),
    hamlets.map((x) => h('option', { value: x.id, text: x.name, selected: x.id === hamletChoice })),
  );
  const box = h('div', { class: 'alert', hidden: true });
  const list = h('ul', { class: 'fb-list', id: 'al-list', 'aria-live': 'polite' });
  const sub = h('section', { class: 'card', id: 'al-sub', 'aria-labelledby': 'al-sub-title' });
  fill(
    view,
    h('p', {}, h('a', { href: '#/', text: say.back })),
    h('h1', { text: say.title }),
    h('form', { class: 'card', role: 'search', id: 'al-filter', novalidate: true }, h('div', { class: 'field' }, h('label', { for: 'al-hamlet', text: say.hamlet }), select)),
    box,
    list,
    sub,
  );
  const load = async () => {
    try {
      const page = await ctx.api.call('GET', `/communes/${encodeURIComponent(ctx.communeId)}/alerts`, { query: { hamlet: select.value } });
      clearProblems(null, box);
      const items = page.items || [];
      fill(list, items.length ? items.map((a) => item(a, say, en)) : h('li', { class: 'muted', text: say.none }));
    } catch (error) {
      showError(box, null, error);
    }
  };
  select.addEventListener('change', () => {
    hamletChoice = select.value;
    load();
  });
  view.querySelector('#al-filter').addEventListener('submit', (event) => event.preventDefault());
  await load();
  await subscription(sub, ctx, say, hamlets);
}

function item(a, say, en) {
  const pick = (vi, english) => (en && english ? english : vi);
  return h(
    'li',
    { class: ['fb-item', 'al-item', `al-${a.priority}`, a.status !== 'active' && 'al-past'], dataset: { id: a.id } },
    h('p', {}, h('span', { class: ['badge', `prio-${a.priority}`], text: say.priority[a.priority] || a.priority }), ' ', h('span', { class: 'badge', text: say.status[a.status] || a.status })),
    h('h3', { text: pick(a.headline, a.headline_en) }),
    h('p', { class: 'fb-meta', text: `${say.sent}: ${formatDateTime(a.sent)} · ${say.until}: ${formatDateTime(a.expires)}` }),
    h('p', { class: 'fb-meta', text: `${say.area}: ${a.area} · ${say.from}: ${a.sender_name}` }),
    h('p', { class: 'fb-text', text: pick(a.text, a.text_en) }),
    a.instruction ? h('p', { class: 'fb-text' }, h('strong', { text: say.guide }), pick(a.instruction, a.instruction_en)) : null,
    a.cap_url ? h('p', { class: 'fb-meta' }, h('a', { href: a.cap_url, rel: 'noopener', text: say.cap })) : null,
  );
}

async function subscription(sub, ctx, say, hamlets) {
  const title = h('h2', { id: 'al-sub-title', text: say.sub_title });
  if (!ctx.api.token) {
    fill(sub, title, h('p', { text: say.sub_signin }), h('p', {}, h('a', { class: 'btn', href: '#/', text: say.signin })));
    return;
  }
  let current;
  try {
    current = await ctx.api.call('GET', '/me/alert-subscription');
  } catch (error) {
    if (error.status === 401) return;
    current = { hamlets: [], enabled: false };
  }
  const chosen = new Set(current.hamlets || []);
  const box = h('div', { class: 'alert', hidden: true, id: 'al-sub-alert', tabindex: '-1' });
  const save = h('button', { type: 'submit', class: 'btn btn-block', id: 'al-sub-save', text: say.sub_save });
  const form = h(
    'form',
    { id: 'al-sub-form', novalidate: true },
    h('div', { class: 'field check' }, h('input', { type: 'checkbox', id: 'al-on', name: 'enabled', checked: current.enabled }), h('label', { for: 'al-on', text: say.sub_on })),
    h(
      'fieldset',
      { class: 'choices' },
      h('legend', { text: say.sub_hint }),
      hamlets.map((x, i) =>
        h('div', { class: 'check' }, h('input', { type: 'checkbox', id: `al-h-${i}`, name: 'hamlets', value: x.id, checked: chosen.has(x.id) }), h('label', { for: `al-h-${i}`, text: x.name })),
      ),
    ),
    h('div', { class: 'actions' }, save),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearProblems(form, box);
    const body = { enabled: form.elements.enabled.checked, hamlets: new FormData(form).getAll('hamlets') };
    try {
      const saved = await busy(save, say.saving, () => ctx.api.call('POST', '/me/alert-subscription', { body }));
      notify(box, 'success', saved.enabled ? say.sub_saved : say.sub_off);
      box.focus();
    } catch (error) {
      if (error.status !== 401) showError(box, form, error);
    }
  });
  fill(sub, title, box, form);
}
