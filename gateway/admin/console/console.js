// The Ventanilla staff console: a small page over the admin API (/admin/api/...). No framework and
// no external resources; every text a server or a user supplies is set with textContent, never as
// HTML. Changes carry the session's CSRF token (X-CSRF-Token) and, for the draft, its ETag.
'use strict';

const T = {
  es: {
    skip: 'Saltar al contenido', nav_texts: 'Textos', nav_publish: 'Publicar', nav_simulator: 'Simulador',
    nav_audit: 'Registro', nav_access: 'Accesos', nav_about: 'Acerca de', ui_language: 'Idioma', logout: 'Salir',
    login_title: 'Entrar', username: 'Usuario', password: 'Contraseña', login: 'Entrar',
    login_failed: 'Usuario o contraseña incorrectos.', throttled: 'Demasiados intentos. Espere y reintente.',
    texts_title: 'Textos del menú', language: 'Idioma del contenido', no_draft: 'No hay borrador. Cree uno para editar.',
    start_draft: 'Crear borrador', save: 'Guardar', saved: 'Guardado.', stale: 'Otra persona cambió el borrador. Recargue.',
    chars: 'caracteres', segments: 'SMS', fits: 'cabe en la pantalla', not_fits: 'NO cabe en la pantalla',
    publish_title: 'Publicar', check: 'Revisar el borrador', check_ok: 'El borrador pasa todas las revisiones.',
    publish: 'Publicar el borrador', published: 'Publicado: versión ', history: 'Historial', version: 'Versión',
    status: 'Estado', origin: 'Origen', rollback: 'Volver a esta versión', rolled_back: 'Publicada de nuevo la versión ',
    changes: 'Cambios del borrador', simulator_title: 'Simulador de teléfono', country: 'País', input: 'Marcar',
    send: 'Enviar', restart: 'Nueva sesión', audit_title: 'Registro de cambios', when: 'Cuándo', who: 'Quién',
    what: 'Qué', target: 'Sobre', verify: 'Verificar la cadena', chain_ok: 'La cadena de registro está intacta.',
    chain_bad: 'Cadena alterada en la fila ', access_title: 'Usuarios y tokens', users: 'Usuarios', tokens: 'Tokens de API',
    role: 'Rol', add_user: 'Crear usuario', add_token: 'Crear token', name: 'Nombre', token_once: 'Copie el token ahora: no se mostrará otra vez.',
    revoke: 'Revocar', admins_only: 'Solo para el rol admin.', about_title: 'Acerca de', error: 'Error: ',
    nav_hubs: 'Ventanillas', hubs_title: 'Directorio de ventanillas', search: 'Buscar', include_retired: 'Incluir retiradas',
    edit: 'Editar', retire: 'Retirar', restore: 'Restaurar', verify: 'Marcar verificada', verified: 'Verificada',
    retired: 'Retirada', export_csv: 'Descargar hubs.csv', import_csv: 'Importar hubs.csv', imported: 'Importado.',
    services: 'Servicios (códigos separados por ;)', no_results: 'Sin resultados.',
    nav_usage: 'Uso', usage_title: 'Uso diario', sessions: 'Sesiones', lookups: 'Búsquedas completadas', sms_sent: 'SMS enviados',
    from: 'Desde', to: 'Hasta', show: 'Mostrar', by_country: 'Por país', channel: 'Canal',
  },
  en: {
    skip: 'Skip to content', nav_texts: 'Texts', nav_publish: 'Publish', nav_simulator: 'Simulator',
    nav_audit: 'Audit log', nav_access: 'Access', nav_about: 'About', ui_language: 'Language', logout: 'Log out',
    login_title: 'Log in', username: 'Username', password: 'Password', login: 'Log in',
    login_failed: 'Wrong username or password.', throttled: 'Too many attempts. Wait and try again.',
    texts_title: 'Menu texts', language: 'Content language', no_draft: 'No draft yet. Start one to edit.',
    start_draft: 'Start a draft', save: 'Save', saved: 'Saved.', stale: 'Someone else changed the draft. Reload.',
    chars: 'characters', segments: 'SMS', fits: 'fits the screen', not_fits: 'does NOT fit the screen',
    publish_title: 'Publish', check: 'Check the draft', check_ok: 'The draft passes every check.',
    publish: 'Publish the draft', published: 'Published: version ', history: 'History', version: 'Version',
    status: 'Status', origin: 'Origin', rollback: 'Roll back to this version', rolled_back: 'Published again: version ',
    changes: 'Changes in the draft', simulator_title: 'Phone simulator', country: 'Country', input: 'Dial',
    send: 'Send', restart: 'New session', audit_title: 'Audit log', when: 'When', who: 'Who', what: 'What',
    target: 'On', verify: 'Verify the chain', chain_ok: 'The audit chain is intact.', chain_bad: 'Chain broken at row ',
    access_title: 'Users and tokens', users: 'Users', tokens: 'API tokens', role: 'Role', add_user: 'Add user',
    add_token: 'Make token', name: 'Name', token_once: 'Copy the token now: it will not be shown again.',
    revoke: 'Revoke', admins_only: 'Admins only.', about_title: 'About', error: 'Error: ',
    nav_hubs: 'Hubs', hubs_title: 'Hub directory', search: 'Search', include_retired: 'Include retired',
    edit: 'Edit', retire: 'Retire', restore: 'Restore', verify: 'Mark verified', verified: 'Verified',
    retired: 'Retired', export_csv: 'Download hubs.csv', import_csv: 'Import hubs.csv', imported: 'Imported.',
    services: 'Services (codes separated by ;)', no_results: 'No results.',
    nav_usage: 'Usage', usage_title: 'Daily usage', sessions: 'Sessions', lookups: 'Completed lookups', sms_sent: 'SMS sent',
    from: 'From', to: 'To', show: 'Show', by_country: 'By country', channel: 'Channel',
  },
};
const ROLES = ['viewer', 'editor', 'publisher', 'admin'];
const CONTENT_LANGUAGES = ['es', 'en', 'fr', 'ht', 'pt'];
const state = { ui: localStorage.getItem('ui') || (navigator.language || 'es').slice(0, 2), csrf: '', role: '', etag: '', sim: [] };
if (!T[state.ui]) state.ui = 'es';
const t = (key) => T[state.ui][key] || key;
const $ = (sel) => document.querySelector(sel);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'on') for (const [ev, fn] of Object.entries(v)) node.addEventListener(ev, fn);
    else if (v !== undefined && v !== null && v !== false) node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

function say(message, bad = false) {
  const s = $('#status');
  s.textContent = message;
  s.className = bad ? 'errors' : '';
}

async function api(method, path, body, extra = {}) {
  const headers = { ...extra };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && state.csrf) headers['X-CSRF-Token'] = state.csrf;
  const res = await fetch('/admin/api/' + path, {
    method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body),
  });
  let data = null;
  try { data = await res.json(); } catch (e) { data = null; }
  const etag = res.headers.get('ETag');
  if (etag) state.etag = etag;
  return { status: res.status, data, etag };
}

function failure(r) {
  const d = r.data || {};
  return t('error') + r.status + (d.field ? ' · ' + d.field : '') + (d.detail ? ' · ' + d.detail : '');
}

function translatePage() {
  document.documentElement.lang = state.ui;
  for (const node of document.querySelectorAll('[data-t]')) node.textContent = t(node.dataset.t);
  $('#ui-lang').value = state.ui;
}

// ---- login ---------------------------------------------------------------------------------------
function showLogin() {
  $('#nav').hidden = true;
  $('#logout').hidden = true;
  $('#who').textContent = '';
  const form = el('form', { id: 'login', on: { submit: async (ev) => {
    ev.preventDefault();
    const r = await api('POST', 'session', { username: $('#username').value, password: $('#password').value });
    if (r.status === 200) { state.csrf = r.data.csrf_token; await start(); return; }
    say(r.status === 429 ? t('throttled') : t('login_failed'), true);
  } } },
    el('h2', {}, t('login_title')),
    el('label', { for: 'username' }, t('username')), el('input', { id: 'username', autocomplete: 'username', required: true }),
    el('label', { for: 'password' }, t('password')),
    el('input', { id: 'password', type: 'password', autocomplete: 'current-password', required: true }),
    el('p', {}, el('button', { type: 'submit' }, t('login'))));
  $('#main').replaceChildren(form);
  $('#username').focus();
}

// ---- texts and the live counter ------------------------------------------------------------------
function counterText(p) {
  return `${p.chars} ${t('chars')} · ${p.encoding} ${p.units} · ${p.sms_segments} ${t('segments')} · ` +
    (p.fits ? t('fits') : t('not_fits'));
}

async function showTexts() {
  const lang = sessionStorage.getItem('content-lang') || 'es';
  const main = $('#main');
  const picker = el('select', { id: 'content-lang', on: { change: (ev) => { sessionStorage.setItem('content-lang', ev.target.value); showTexts(); } } },
    CONTENT_LANGUAGES.map((l) => el('option', { value: l, selected: l === lang }, l)));
  main.replaceChildren(el('h2', {}, t('texts_title')), el('label', { for: 'content-lang' }, t('language')), picker);
  const draft = await api('GET', 'content/draft');
  if (draft.status === 404) {
    main.append(el('p', {}, t('no_draft')), el('button', { id: 'start-draft', type: 'button', on: { click: async () => {
      const r = await api('POST', 'content/draft');
      if (r.status === 200 || r.status === 201) showTexts(); else say(failure(r), true);
    } } }, t('start_draft')));
    return;
  }
  const texts = await api('GET', `content/texts/${lang}?version=draft`);
  if (texts.status !== 200) { say(failure(texts), true); return; }
  for (const entry of texts.data.texts) main.append(textRow(lang, entry));
}

function textRow(lang, entry) {
  const id = 'text-' + entry.id.replace(/[^A-Za-z0-9_-]/g, '_');
  const counter = el('output', { class: 'counter', for: id, 'aria-live': 'polite', 'data-id': entry.id });
  const errors = el('ul', { class: 'errors' });
  const area = el('textarea', { id, 'data-id': entry.id, rows: 2 });
  area.value = entry.text;
  let timer = null;
  const preview = async () => {
    const r = await api('POST', 'content/draft/preview', { language: lang, id: entry.id, text: area.value });
    if (r.status !== 200) { counter.textContent = failure(r); counter.className = 'counter bad'; return; }
    counter.textContent = counterText(r.data);
    counter.className = 'counter ' + (r.data.fits ? 'ok' : 'bad');
    errors.replaceChildren(...r.data.errors.map((d) => el('li', {}, d.text)));
  };
  area.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(preview, 250); });
  const save = el('button', { type: 'button', 'data-save': entry.id, on: { click: async () => {
    const r = await api('PUT', `content/draft/texts/${lang}/${encodeURIComponent(entry.id)}`, { text: area.value },
      { 'If-Match': state.etag });
    if (r.status === 200) say(t('saved')); else say(r.status === 412 ? t('stale') : failure(r), true);
  } } }, t('save'));
  return el('div', { class: 'text-row' }, el('label', { for: id }, el('span', { class: 'id' }, entry.id)), area, counter, errors, save);
}

// ---- publish, history, rollback ------------------------------------------------------------------
async function showPublish() {
  const main = $('#main');
  const out = el('div', { id: 'check-result', 'aria-live': 'polite' });
  main.replaceChildren(el('h2', {}, t('publish_title')), el('p', {},
    el('button', { type: 'button', class: 'secondary', on: { click: async () => {
      const r = await api('GET', 'content/draft/check');
      if (r.status !== 200) { say(failure(r), true); return; }
      out.replaceChildren(r.data.ok ? el('p', {}, t('check_ok')) : el('ul', { class: 'errors' }, r.data.errors.map((d) => el('li', {}, d.text))));
    } } }, t('check')), ' ',
    el('button', { id: 'publish', type: 'button', on: { click: async () => {
      await api('GET', 'content/draft');
      const r = await api('POST', 'content/publish', undefined, { 'If-Match': state.etag });
      if (r.status === 200) { say(t('published') + r.data.published); showPublish(); return; }
      if (r.status === 422) out.replaceChildren(el('ul', { class: 'errors' }, r.data.errors.map((d) => el('li', {}, d.text))));
      say(failure(r), true);
    } } }, t('publish'))), out);
  const diff = await api('GET', 'content/diff?from=published&to=draft');
  if (diff.status === 200) {
    main.append(el('h3', {}, t('changes')), el('div', { class: 'scroll' }, el('table', {},
      el('tr', {}, el('th', {}, 'id'), el('th', {}, '−'), el('th', {}, '+')),
      diff.data.texts.map((c) => el('tr', {}, el('td', {}, c.file + ' ' + c.id), el('td', {}, c.before ?? ''), el('td', {}, c.after ?? ''))))));
  }
  const versions = await api('GET', 'content/versions');
  if (versions.status !== 200) return;
  main.append(el('h3', {}, t('history')), el('div', { class: 'scroll' }, el('table', {},
    el('tr', {}, el('th', {}, t('version')), el('th', {}, t('status')), el('th', {}, t('origin')), el('th', {}, '')),
    versions.data.versions.map((v) => el('tr', {}, el('td', {}, v.version), el('td', {}, v.status), el('td', {}, v.origin),
      el('td', {}, v.status === 'archived' ? el('button', { type: 'button', class: 'secondary', on: { click: async () => {
        const r = await api('POST', 'content/rollback', { version: v.version });
        if (r.status === 200) { say(t('rolled_back') + v.version); showPublish(); } else say(failure(r), true);
      } } }, t('rollback')) : ''))))));
}

// ---- phone simulator -----------------------------------------------------------------------------
async function showSimulator() {
  const main = $('#main');
  const screen = el('div', { id: 'phone-screen', class: 'phone', role: 'log', 'aria-live': 'polite' });
  const meta = el('p', { class: 'meta', id: 'phone-meta' });
  const run = async () => {
    const body = { inputs: state.sim, language: $('#sim-lang').value, country: $('#sim-country').value };
    const r = await api('POST', 'content/simulate', body);
    if (r.status !== 200) { say(failure(r), true); return; }
    const last = r.data.screens[r.data.screens.length - 1];
    screen.textContent = (last.end ? 'END ' : 'CON ') + last.text;
    meta.textContent = `v${r.data.version} · ${last.encoding} ${last.units}/${last.limit} · ${last.page}/${last.page_count}`;
  };
  const form = el('form', { class: 'inline', on: { submit: (ev) => {
    ev.preventDefault();
    for (const part of $('#sim-input').value.split('*')) if (part) state.sim.push(part);
    $('#sim-input').value = '';
    run();
  } } },
  el('label', {}, t('language') + ' ', el('select', { id: 'sim-lang' }, CONTENT_LANGUAGES.map((l) => el('option', { value: l }, l)))),
  el('label', {}, t('country') + ' ', el('select', { id: 'sim-country' }, ['GT', 'MX', 'SV', 'HN', 'BZ', 'CR'].map((c) => el('option', { value: c }, c)))),
  el('label', {}, t('input') + ' ', el('input', { id: 'sim-input', inputmode: 'numeric', size: 8 })),
  el('button', { type: 'submit' }, t('send')),
  el('button', { type: 'button', class: 'secondary', on: { click: () => { state.sim = []; run(); } } }, t('restart')));
  main.replaceChildren(el('h2', {}, t('simulator_title')), form, screen, meta);
  state.sim = [];
  run();
}

// ---- hub directory --------------------------------------------------------------------------------
const HUB_FIELDS = ['name', 'hub_type', 'country', 'admin1', 'admin1_code', 'municipality', 'address', 'phone', 'hours',
  'operator', 'lat', 'lon', 'source_url', 'confidence', 'source_date', 'notes'];

async function showHubs() {
  const main = $('#main');
  const results = el('div', { id: 'hub-results', class: 'scroll' });
  const search = async () => {
    const q = encodeURIComponent($('#hub-q').value);
    const retired = $('#hub-retired').checked ? '&retired=include' : '';
    const r = await api('GET', `hubs?q=${q}${retired}`);
    if (r.status !== 200) { say(failure(r), true); return; }
    if (!r.data.hubs.length) { results.replaceChildren(el('p', {}, t('no_results'))); return; }
    results.replaceChildren(el('table', {}, el('tr', {}, el('th', {}, 'id'), el('th', {}, t('name')), el('th', {}, t('status')), el('th', {}, '')),
      r.data.hubs.map((h) => el('tr', {}, el('td', {}, h.id), el('td', {}, h.name),
        el('td', {}, (h.retired ? t('retired') : '') + (h.verified_date ? ` ${t('verified')} ${h.verified_date}` : '')),
        el('td', {}, el('button', { type: 'button', class: 'secondary', on: { click: () => editHub(h) } }, t('edit')))))));
  };
  main.replaceChildren(el('h2', {}, t('hubs_title')),
    el('form', { class: 'inline', on: { submit: (ev) => { ev.preventDefault(); search(); } } },
      el('label', {}, t('search') + ' ', el('input', { id: 'hub-q', type: 'search' })),
      el('label', {}, el('input', { id: 'hub-retired', type: 'checkbox' }), ' ' + t('include_retired')),
      el('button', { type: 'submit' }, t('search'))),
    el('p', {}, el('a', { href: '/admin/api/hubs.csv', download: 'hubs.csv' }, t('export_csv')), ' · ',
      el('label', {}, t('import_csv') + ' ', el('input', { id: 'hub-csv', type: 'file', accept: '.csv,text/csv', on: { change: async (ev) => {
        const file = ev.target.files[0];
        if (!file) return;
        const res = await fetch('/admin/api/hubs.csv', { method: 'PUT', credentials: 'same-origin',
          headers: { 'Content-Type': 'text/csv', 'X-CSRF-Token': state.csrf }, body: await file.text() });
        const data = await res.json();
        if (res.status === 200) { say(t('imported') + ' ' + JSON.stringify(data.hubs)); search(); return; }
        say(t('error') + res.status + ' · ' + (data.problems ? data.problems.map((p) => p.text).join(' | ') : data.detail), true);
      } } }))),
    results);
  search();
}

function editHub(hub) {
  const main = $('#main');
  const inputs = {};
  const form = el('form', { id: 'hub-form', on: { submit: async (ev) => {
    ev.preventDefault();
    const body = {};
    for (const f of HUB_FIELDS) {
      const v = inputs[f].value;
      body[f] = (f === 'lat' || f === 'lon') ? Number(v) : v;
    }
    body.services = inputs.services.value.split(';').map((x) => x.trim()).filter((x) => x);
    const r = await api('PATCH', 'hubs/' + encodeURIComponent(hub.id), body);
    if (r.status === 200) { say(t('saved')); showHubs(); return; }
    for (const i of Object.values(inputs)) i.removeAttribute('aria-invalid');
    if (r.data && inputs[r.data.field]) { inputs[r.data.field].setAttribute('aria-invalid', 'true'); inputs[r.data.field].focus(); }
    say(failure(r), true);
  } } }, el('h2', {}, hub.id));
  for (const f of HUB_FIELDS) {
    inputs[f] = el('input', { id: 'hub-' + f, name: f, value: String(hub[f] ?? '') });
    form.append(el('label', { for: 'hub-' + f }, f), inputs[f]);
  }
  inputs.services = el('input', { id: 'hub-services', value: (hub.services || []).join(';') });
  form.append(el('label', { for: 'hub-services' }, t('services')), inputs.services);
  const action = (path, label) => el('button', { type: 'button', class: 'secondary', on: { click: async () => {
    const r = await api('POST', `hubs/${encodeURIComponent(hub.id)}/${path}`, {});
    if (r.status === 200) { say(label); showHubs(); } else say(failure(r), true);
  } } }, label);
  form.append(el('p', {}, el('button', { type: 'submit' }, t('save')), ' ',
    hub.retired ? action('restore', t('restore')) : action('retire', t('retire')), ' ', action('verify', t('verify'))));
  main.replaceChildren(form);
  inputs.name.focus();
}

// ---- usage --------------------------------------------------------------------------------------
// Bars are plain elements sized in percent of the largest value: no chart library, no canvas.
// (Sized through the CSSOM: the CSP refuses style attributes.)
function bar(fraction) {
  const span = el('span', { class: 'bar' });
  span.style.width = `${Math.round(fraction * 100)}%`;
  return span;
}

function bars(title, entries) {
  const max = Math.max(1, ...entries.map(([, v]) => v));
  return el('section', {}, el('h3', {}, title), el('table', { class: 'bars' },
    entries.map(([label, v]) => el('tr', {}, el('th', { scope: 'row' }, label),
      el('td', {}, bar(v / max), ' ' + v)))));
}

async function showUsage() {
  const main = $('#main');
  const out = el('div', { id: 'usage-charts' });
  const load = async () => {
    const q = [];
    if ($('#usage-from').value) q.push('from=' + $('#usage-from').value);
    if ($('#usage-to').value) q.push('to=' + $('#usage-to').value);
    const r = await api('GET', 'usage' + (q.length ? '?' + q.join('&') : ''));
    if (r.status !== 200) { say(failure(r), true); return; }
    const byDay = new Map();
    const byCountry = new Map();
    for (const row of r.data.rows) {
      const d = byDay.get(row.day) || { sessions: 0, lookups: 0, sms_sent: 0 };
      d.sessions += row.sessions; d.lookups += row.lookups; d.sms_sent += row.sms_sent;
      byDay.set(row.day, d);
      const key = (row.country || '?') + ' · ' + row.channel;
      byCountry.set(key, (byCountry.get(key) || 0) + row.lookups);
    }
    const days = [...byDay.keys()].sort();
    const tot = r.data.totals;
    out.replaceChildren(
      el('p', {}, `${r.data.from} – ${r.data.to}: ${t('sessions')} ${tot.sessions} · ${t('lookups')} ${tot.lookups} · ${t('sms_sent')} ${tot.sms_sent}`),
      bars(t('sessions'), days.map((d) => [d, byDay.get(d).sessions])),
      bars(t('lookups'), days.map((d) => [d, byDay.get(d).lookups])),
      bars(t('sms_sent'), days.map((d) => [d, byDay.get(d).sms_sent])),
      bars(t('lookups') + ' · ' + t('by_country'), [...byCountry.entries()].sort()));
  };
  main.replaceChildren(el('h2', {}, t('usage_title')),
    el('form', { class: 'inline', on: { submit: (ev) => { ev.preventDefault(); load(); } } },
      el('label', {}, t('from') + ' ', el('input', { id: 'usage-from', type: 'date' })),
      el('label', {}, t('to') + ' ', el('input', { id: 'usage-to', type: 'date' })),
      el('button', { type: 'submit' }, t('show'))), out);
  load();
}

// ---- audit log -----------------------------------------------------------------------------------
async function showAudit() {
  const main = $('#main');
  const result = el('p', { 'aria-live': 'polite' });
  main.replaceChildren(el('h2', {}, t('audit_title')), el('button', { type: 'button', class: 'secondary', on: { click: async () => {
    const r = await api('GET', 'audit/verify');
    if (r.status !== 200) { say(failure(r), true); return; }
    result.textContent = r.data.ok ? `${t('chain_ok')} (${r.data.rows}; ${r.data.head_sha256.slice(0, 16)}…)` : t('chain_bad') + r.data.first_bad_seq + ': ' + r.data.problem;
  } } }, t('verify')), result);
  const r = await api('GET', 'audit?limit=1000');
  if (r.status !== 200) { say(failure(r), true); return; }
  main.append(el('div', { class: 'scroll' }, el('table', {}, el('tr', {}, el('th', {}, '#'), el('th', {}, t('when')), el('th', {}, t('who')), el('th', {}, t('what')), el('th', {}, t('target'))),
    r.data.rows.slice().reverse().map((row) => el('tr', {}, el('td', {}, row.seq), el('td', {}, new Date(row.at_ms).toISOString().replace('T', ' ').slice(0, 19)),
      el('td', {}, row.actor + ' (' + row.role + ')'), el('td', {}, row.action), el('td', {}, row.target))))));
}

// ---- users and tokens ----------------------------------------------------------------------------
async function showAccess() {
  const main = $('#main');
  main.replaceChildren(el('h2', {}, t('access_title')));
  if (state.role !== 'admin') { main.append(el('p', {}, t('admins_only'))); return; }
  const roleSelect = (id) => el('select', { id }, ROLES.map((r) => el('option', { value: r }, r)));
  const users = await api('GET', 'users');
  main.append(el('h3', {}, t('users')), el('div', { class: 'scroll' }, el('table', {}, el('tr', {}, el('th', {}, t('username')), el('th', {}, t('role')), el('th', {}, t('status'))),
    (users.data?.users || []).map((u) => el('tr', {}, el('td', {}, u.username), el('td', {}, u.role), el('td', {}, u.disabled ? '✗' : '✓'))))),
  el('form', { class: 'inline', on: { submit: async (ev) => {
    ev.preventDefault();
    const r = await api('POST', 'users', { username: $('#new-user').value, password: $('#new-password').value, role: $('#new-user-role').value });
    if (r.status === 201) showAccess(); else say(failure(r), true);
  } } }, el('label', {}, t('username') + ' ', el('input', { id: 'new-user', required: true })),
  el('label', {}, t('password') + ' ', el('input', { id: 'new-password', type: 'password', autocomplete: 'new-password', required: true })),
  el('label', {}, t('role') + ' ', roleSelect('new-user-role')), el('button', { type: 'submit' }, t('add_user'))));
  const tokens = await api('GET', 'tokens');
  const shown = el('p', { class: 'token', 'aria-live': 'polite', hidden: true });
  main.append(el('h3', {}, t('tokens')), el('div', { class: 'scroll' }, el('table', {}, el('tr', {}, el('th', {}, 'id'), el('th', {}, t('name')), el('th', {}, t('role')), el('th', {}, t('status')), el('th', {}, '')),
    (tokens.data?.tokens || []).map((k) => el('tr', {}, el('td', {}, k.hint), el('td', {}, k.name), el('td', {}, k.role), el('td', {}, k.active ? '✓' : '✗'),
      el('td', {}, k.active ? el('button', { type: 'button', class: 'secondary', on: { click: async () => {
        const r = await api('DELETE', 'tokens/' + k.id);
        if (r.status === 200) showAccess(); else say(failure(r), true);
      } } }, t('revoke')) : ''))))),
  el('form', { class: 'inline', on: { submit: async (ev) => {
    ev.preventDefault();
    const r = await api('POST', 'tokens', { name: $('#new-token').value, role: $('#new-token-role').value });
    if (r.status !== 201) { say(failure(r), true); return; }
    shown.hidden = false;
    shown.textContent = t('token_once') + ' ' + r.data.token;
  } } }, el('label', {}, t('name') + ' ', el('input', { id: 'new-token', required: true })),
  el('label', {}, t('role') + ' ', roleSelect('new-token-role')), el('button', { type: 'submit' }, t('add_token'))), shown);
}

function showAbout() {
  $('#main').replaceChildren(el('h2', {}, t('about_title')),
    el('p', {}, 'Ventanilla: información por SMS y USSD para personas migrantes, con las Ventanillas / Information Hubs apoyadas por la OIM en México y Centroamérica.'),
    el('ul', {},
      el('li', {}, 'Gazetteer: GeoNames (geonames.org), CC BY 4.0.'),
      el('li', {}, 'Hub directory: public sources listed per hub (source_url, hub_facts).'),
      el('li', {}, 'Libraries: Boost, SQLite, spdlog, toml++, utf8proc, OpenSSL, libargon2.')));
}

// ---- shell ---------------------------------------------------------------------------------------
const VIEWS = { texts: showTexts, publish: showPublish, simulator: showSimulator, hubs: showHubs, usage: showUsage, audit: showAudit, access: showAccess, about: showAbout };

function route() {
  const name = (location.hash || '#texts').slice(1);
  const view = VIEWS[name] || showTexts;
  for (const a of document.querySelectorAll('#nav a')) a.setAttribute('aria-current', a.getAttribute('href') === '#' + name ? 'page' : 'false');
  say('');
  view();
  $('#main').focus();
}

async function start() {
  const who = await api('GET', 'whoami');
  if (who.status !== 200) { showLogin(); return; }
  state.csrf = who.data.csrf_token || state.csrf;
  state.role = who.data.role;
  $('#who').textContent = who.data.actor + ' · ' + who.data.role;
  $('#nav').hidden = false;
  $('#logout').hidden = false;
  route();
}

document.addEventListener('DOMContentLoaded', () => {
  translatePage();
  $('#ui-lang').addEventListener('change', (ev) => { state.ui = ev.target.value; localStorage.setItem('ui', state.ui); translatePage(); route(); });
  $('#logout').addEventListener('click', async () => { await api('DELETE', 'session'); state.csrf = ''; showLogin(); });
  window.addEventListener('hashchange', () => { if (!$('#nav').hidden) route(); });
  start();
});
