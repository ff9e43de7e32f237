// Security cameras (loaded on demand by admin.js): the commune's cameras with their health, and their events.
// The police acknowledge an event with a note, turn it into a feedback item, draft an alert bulletin from a
// severe one, and may open the unblurred crop (each such view is on the audit trail); everyone else sees faces
// blurred. Citizens' security reports are listed beside the events for the police.
import { busy, clearProblems, fill, formatDateTime, h, notify, showError } from '/shared/sc.js';

const REFRESH_MS = 15000;
const SEVERITY = { minor: 'Nhẹ', moderate: 'Trung bình', severe: 'Nghiêm trọng', extreme: 'Rất nghiêm trọng' };
const SITE = { main_road: 'Đường trục', alley: 'Ngõ xóm', crossing: 'Ngã tư', market: 'Chợ', school_gate: 'Cổng trường' };
let generation = 0;

export async function render(section, ctx) {
  const mine = ++generation;
  const alive = () => mine === generation && section.isConnected && !section.hidden;
  const police = ctx.me.roles.includes('police');
  const box = h('div', { class: 'alert', hidden: true, id: 'cam-alert' });
  const counts = h('ul', { class: 'counts', id: 'cam-counts' });
  const cameraRows = h('tbody');
  const eventRows = h('tbody');
  const reports = h('ul', { id: 'cam-reports' });
  const table = (id, head, body) =>
    h('div', { class: 'table-wrap' }, h('table', { id }, h('thead', {}, h('tr', {}, head.map((text) => h('th', { scope: 'col', text })))), body));
  fill(
    section,
    h('div', { class: 'section-head' }, h('h1', { text: 'Camera an ninh' })),
    counts,
    box,
    h('h2', { text: 'Camera' }),
    table('cam-table', ['Camera', 'Vị trí, xóm', 'Trạng thái', 'Khung hình cuối', 'Đợt ảnh hôm nay', ''], cameraRows),
    h('h2', { text: 'Sự kiện' }),
    table('cam-events', ['Thời gian', 'Camera', 'Luật', 'Mức độ', 'Xử lý', ''], eventRows),
    police ? [h('h2', { text: 'Phản ánh an ninh của người dân' }), reports] : null,
  );
  const act = async (button, text, task, done) => {
    clearProblems(null, box);
    try {
      const result = await busy(button, text, task);
      if (done) notify(box, 'success', done(result));
      await load();
    } catch (error) {
      if (error.status !== 401) showError(box, null, error);
    }
  };
  const snapshot = (event, raw) => async (click) => {
    const link = await ctx.api.call('GET', `/camera-events/${encodeURIComponent(event.event_id)}/snapshot${raw ? '?raw=true' : ''}`);
    window.open(link.url, '_blank', 'noopener');
    click.target.blur();
  };
  const eventRow = (event) => {
    const note = h('input', { type: 'text', maxlength: 1000, placeholder: 'Ghi chú xử lý', 'aria-label': `Ghi chú: ${event.event_id}` });
    const buttons = [h('button', { type: 'button', class: 'btn btn-small btn-secondary', text: 'Xem ảnh (đã làm mờ)', on: { click: snapshot(event, false) } })];
    if (police) {
      buttons.push(h('button', { type: 'button', class: 'btn btn-small btn-secondary', text: 'Ảnh gốc', title: 'Mỗi lần xem được ghi nhật ký', on: { click: snapshot(event, true) } }));
      if (!event.acknowledged_at) {
        const ack = h('button', { type: 'button', class: 'btn btn-small', text: 'Xác nhận' });
        ack.addEventListener('click', () =>
          act(ack, 'Đang lưu…', () => ctx.api.call('POST', `/camera-events/${encodeURIComponent(event.event_id)}/ack`, { body: { note: note.value || 'Đã tiếp nhận' } })),
        );
        buttons.unshift(note, ack);
      }
      if (!event.feedback_id) {
        const fb = h('button', { type: 'button', class: 'btn btn-small btn-secondary', text: 'Tạo phản ánh' });
        fb.addEventListener('click', () =>
          act(fb, 'Đang tạo…', () => ctx.api.call('POST', `/camera-events/${encodeURIComponent(event.event_id)}/feedback`), (r) => `Đã tạo phản ánh ${r.tracking_code || ''}.`),
        );
        buttons.push(fb);
      }
      if (!event.bulletin_id && (event.severity === 'severe' || event.severity === 'extreme')) {
        const bt = h('button', { type: 'button', class: 'btn btn-small btn-secondary', text: 'Soạn bản tin cảnh báo' });
        bt.addEventListener('click', () =>
          act(bt, 'Đang soạn…', () => ctx.api.call('POST', `/camera-events/${encodeURIComponent(event.event_id)}/bulletin`, { body: {} }), () => 'Đã soạn bản tin nháp; cần lãnh đạo duyệt trước khi phát.'),
        );
        buttons.push(bt);
      }
    }
    const handled = event.acknowledged_at
      ? [h('span', { class: 'badge badge-ok', text: 'Đã xác nhận' }), h('span', { class: 'hint', text: `${event.acknowledged_by_name || ''}: ${event.note || ''}` })]
      : h('span', { class: 'badge badge-bad', text: 'Chưa xử lý' });
    return h(
      'tr',
      { dataset: { event: event.event_id } },
      h('td', { class: 'nowrap', text: formatDateTime(event.at) }),
      h('td', {}, event.camera_name || event.thing, h('span', { class: 'hint mono', text: event.thing })),
      h('td', {}, event.rule_name || event.rule_kind, h('span', { class: 'hint', text: (event.labels || []).join(', ') })),
      h('td', { text: SEVERITY[event.severity] || event.severity }),
      h('td', {}, handled),
      h('td', {}, buttons),
    );
  };
  const cameraRow = (cam) => {
    const shot = h('button', { type: 'button', class: 'btn btn-small btn-secondary', text: 'Chụp ngay', 'aria-label': `Chụp ngay: ${cam.thing}` });
    shot.addEventListener('click', () =>
      act(shot, 'Đang gửi…', () => ctx.api.call('POST', `/cameras/${encodeURIComponent(cam.thing)}/commands`, { body: { kind: 'snapshot' } }), () => `Đã gửi lệnh chụp tới ${cam.name}.`),
    );
    const state = !cam.online ? ['badge-bad', 'Mất kết nối'] : cam.covered ? ['badge-bad', 'Bị che'] : ['badge-ok', 'Trực tuyến'];
    return h(
      'tr',
      { dataset: { thing: cam.thing, online: String(cam.online) }, class: cam.online ? null : 'is-offline' },
      h('td', {}, cam.name, h('span', { class: 'hint mono', text: cam.thing })),
      h('td', {}, SITE[cam.site] || cam.site, h('span', { class: 'hint', text: ctx.hamletNames.get(cam.hamlet_id) || cam.hamlet_id })),
      h('td', {}, h('span', { class: ['badge', state[0]], text: state[1] }), cam.measured_fps ? h('span', { class: 'hint', text: `${cam.measured_fps} khung/giây` }) : null),
      h('td', { class: 'nowrap', text: cam.last_frame_at ? formatDateTime(cam.last_frame_at) : 'Chưa có' }),
      h('td', { class: 'num', text: String(cam.uploads_today) }),
      h('td', {}, shot),
    );
  };
  const load = async () => {
    try {
      const [cams, events] = await Promise.all([ctx.api.call('GET', '/cameras'), ctx.api.call('GET', '/camera-events?limit=30')]);
      fill(
        counts,
        h('li', { id: 'cam-online' }, h('span', { class: 'badge badge-ok', text: 'Trực tuyến' }), h('strong', { text: ` ${cams.online}` }), ` / ${cams.total}`),
        h('li', { id: 'cam-open' }, h('span', { class: 'badge badge-bad', text: 'Sự kiện chưa xử lý' }), h('strong', { text: ` ${events.items.filter((e) => !e.acknowledged_at).length}` })),
      );
      fill(cameraRows, cams.items.map(cameraRow));
      fill(eventRows, events.items.length ? events.items.map(eventRow) : h('tr', {}, h('td', { colspan: 6, class: 'muted', text: 'Chưa có sự kiện.' })));
      if (police) {
        const view = await ctx.api.call('GET', '/cameras-police');
        fill(reports, view.reports.length ? view.reports.map((r) => h('li', {}, h('span', { class: 'mono', text: r.tracking_code }), ` ${r.title} — ${formatDateTime(r.created_at)}`)) : h('li', { class: 'muted', text: 'Không có phản ánh an ninh.' }));
      }
    } catch (error) {
      if (error.status !== 401) showError(box, null, error);
    }
  };
  await load();
  const timer = setInterval(() => {
    if (alive()) load();
    else clearInterval(timer);
  }, REFRESH_MS);
}
