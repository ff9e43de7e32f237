// The hamlet map with Leaflet (vendored from npm at build time): hamlet outlines from GeoJSON (approximate demo
// outlines, said so under the map), loudspeaker clusters, water sensors, cameras, wifi points, schools and warnings as circle markers.
// No tile server: the outlines are the whole map. Leaflet is loaded by the page as a classic script (window.L).
// Labels reach Leaflet as elements (textContent), never as HTML strings.
const { L } = window;

function text(value) {
  const span = document.createElement('span');
  span.textContent = String(value);
  return span;
}

const KINDS = {
  speaker: { label: 'Cụm loa', color: '#0b6b3a' },
  water: { label: 'Điểm đo nước', color: '#1565c0' },
  camera: { label: 'Camera', color: '#6a1b9a' },
  wifi: { label: 'Điểm wifi miễn phí', color: '#00838f' },
  school: { label: 'Trường học', color: '#ef6c00' },
  warning: { label: 'Cảnh báo chưa xử lý', color: '#c8102e' },
};
const TONES = { ok: 1, info: 1, warn: 0.75, bad: 0.55 };

let map = null;
let outlines = null;
let markers = null;
let loaded = null;

async function hamlets(communeId) {
  if (!loaded || loaded.communeId !== communeId) {
    const response = await fetch(`/dashboard/hamlets-${communeId}.geojson`, { cache: 'no-store' });
    loaded = { communeId, data: response.ok ? await response.json() : null };
  }
  return loaded.data;
}

/** Draw the map of `communeId` in `el` with the payload's `markers` and hamlet names; returns the note to show. */
export async function drawMap(el, communeId, names, items, legend) {
  const data = await hamlets(communeId);
  if (!map) {
    map = L.map(el, { attributionControl: false, zoomSnap: 0.25, scrollWheelZoom: false });
    markers = L.layerGroup().addTo(map);
  }
  if (data && !outlines) {
    outlines = L.geoJSON(data, {
      style: () => ({ color: '#084d2a', weight: 2, fillColor: '#e6f3ec', fillOpacity: 0.6 }),
      onEachFeature: (feature, layer) => {
        const name = names[feature.properties.hamlet_id] || feature.properties.name;
        layer.bindTooltip(text(name), { permanent: true, direction: 'center', className: 'ops-hamlet-label' });
      },
    }).addTo(map);
    map.fitBounds(outlines.getBounds(), { padding: [12, 12] });
  }
  markers.clearLayers();
  const counts = {};
  for (const m of items) {
    const kind = KINDS[m.kind] || KINDS.warning;
    counts[m.kind] = (counts[m.kind] || 0) + 1;
    L.circleMarker([m.lat, m.lon], {
      radius: m.kind === 'warning' ? 11 : 8,
      color: m.tone === 'bad' ? '#b3261e' : kind.color,
      weight: m.tone === 'bad' ? 4 : 2,
      fillColor: kind.color,
      fillOpacity: TONES[m.tone] ?? 0.8,
    })
      .bindTooltip(text(m.label_vi))
      .addTo(markers);
  }
  if (!outlines && items.length) map.fitBounds(L.latLngBounds(items.map((m) => [m.lat, m.lon])), { padding: [20, 20] });
  if (!outlines && !items.length) map.setView([20.256, 106.494], 14);
  legend.replaceChildren(
    ...Object.entries(KINDS)
      .filter(([kind]) => counts[kind])
      .map(([kind, { label }]) => {
        const li = document.createElement('li');
        const dot = document.createElement('span');
        dot.className = `ops-dot ops-dot-${kind}`;
        li.append(dot, `${label}: ${counts[kind]}`);
        return li;
      }),
  );
  map.invalidateSize();
  return data?.description || 'Chưa có ranh giới các xóm cho xã này.';
}
