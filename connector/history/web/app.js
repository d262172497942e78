// The view-history page: plain JavaScript over the connector's API, no
// library and no build step. People sign in with Salesforce (the session is an
// HttpOnly cookie the page never sees; /auth/me tells who is signed in and the
// CSRF token that sign-out needs). An API key, when one is entered instead,
// stays in sessionStorage (gone when the tab closes) and is sent as a Bearer
// token. Every value from the API is written with textContent, never as HTML.
'use strict';

const KEY_STORAGE = 'sfnotify.apiKey';
const PAGE_SIZE = 25;
const $ = (id) => document.getElementById(id);

const state = { cursors: [''], page: 0, next: null, me: null };

function apiKey() { return sessionStorage.getItem(KEY_STORAGE) || ''; }

function say(text, isError) {
  const m = $('message');
  m.textContent = text || '';
  m.className = isError ? 'error' : '';
}

function signedIn() { return state.me !== null; }

async function api(path) {
  const key = apiKey();
  if (!key && !signedIn()) throw new Error('Sign in with Salesforce (or enter a read-only API key) first.');
  const headers = { Accept: 'application/json' };
  if (key) headers.Authorization = 'Bearer ' + key;
  const res = await fetch(path, { headers, credentials: 'same-origin' });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) {
    const e = body.error || {};
    throw new Error((e.message || ('HTTP ' + res.status)) + (e.field ? ' (' + e.field + ')' : ''));
  }
  return body;
}

function cell(tr, text, className) {
  const td = document.createElement('td');
  td.textContent = text === undefined || text === null ? '' : String(text);
  if (className) td.className = className;
  tr.appendChild(td);
  return td;
}

// A name linked to its record in the org; the Id when no name was kept (older rows).
function recordCell(tr, id, name, url) {
  const td = document.createElement('td');
  td.className = name ? '' : 'mono';
  const label = name || id || '';
  if (url && /^https?:\/\//.test(url)) {
    const a = document.createElement('a');
    a.href = url;
    a.className = 'record';
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
    a.textContent = label;
    a.title = id;
    td.appendChild(a);
  } else {
    td.textContent = label;
    if (id) td.title = id;
  }
  tr.appendChild(td);
  return td;
}

function when(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return isNaN(d) ? iso : d.toISOString().replace('T', ' ').slice(0, 19) + 'Z';
}

function filterQuery() {
  const p = new URLSearchParams();
  const add = (name, id) => { const v = $(id).value.trim(); if (v) p.set(name, v); };
  add('from', 'f-from');
  add('to', 'f-to');
  add('contact_point', 'f-contact-point');
  add('requested_by', 'f-user');
  add('record_id', 'f-record');
  add('phone', 'f-phone');
  add('status', 'f-status');
  add('reason', 'f-reason');
  add('q', 'f-text');
  p.set('limit', String(PAGE_SIZE));
  return p;
}

async function loadHistory() {
  const p = filterQuery();
  const cursor = state.cursors[state.page];
  if (cursor) p.set('cursor', cursor);
  const tbody = $('history').querySelector('tbody');
  try {
    const page = await api('/v1/history?' + p.toString());
    tbody.replaceChildren();
    for (const n of page.items) {
      const tr = document.createElement('tr');
      tr.dataset.id = n.notification_id;
      tr.tabIndex = 0;
      cell(tr, when(n.created_at));
      cell(tr, n.contact_point);
      recordCell(tr, n.requested_by, n.requested_by_name, n.requested_by_url);
      cell(tr, n.status + (n.refusal_reason ? ' (' + n.refusal_reason + ')' : ''), 'status status-' + n.status);
      cell(tr, n.recipients, 'num');
      cell(tr, n.counts.delivered || 0, 'num');
      cell(tr, (n.counts.failed || 0) + (n.counts.undelivered || 0), 'num');
      cell(tr, n.counts.suppressed || 0, 'num');
      cell(tr, n.segments, 'num');
      cell(tr, n.message || '[template ' + n.template + ']', 'text');
      tr.addEventListener('click', () => showDetail(n.notification_id));
      tr.addEventListener('keydown', (e) => { if (e.key === 'Enter') showDetail(n.notification_id); });
      tbody.appendChild(tr);
    }
    if (!page.items.length) {
      const tr = document.createElement('tr');
      cell(tr, 'No notifications match these filters.', 'empty').colSpan = 10;
      tbody.appendChild(tr);
    }
    state.next = page.next_cursor;
    $('older').disabled = !state.next;
    $('newer').disabled = state.page === 0;
    $('page-info').textContent = 'Page ' + (state.page + 1);
    say('');
  } catch (err) {
    say(err.message, true);
  }
}

async function showDetail(id) {
  try {
    const d = await api('/v1/history/' + encodeURIComponent(id));
    const n = d.notification;
    $('detail-id').textContent = n.notification_id;
    const dl = $('detail-summary');
    dl.replaceChildren();
    const facts = [
      ['Request id', n.request_id], ['Created', when(n.created_at)], ['Contact point', n.contact_point],
      ['Requested by', n.requested_by_name ? n.requested_by_name + ' (' + n.requested_by + ')' : n.requested_by],
      ['Source', n.source],
      ['Status', n.status + (n.refusal_reason ? ' (' + n.refusal_reason + ')' : '')],
      ['Message', n.message || '[template ' + n.template + ']'], ['Recipients', n.recipients],
      ['Segments', n.segments], ['Replies', n.responded],
    ];
    for (const [k, v] of facts) {
      const dt = document.createElement('dt'); dt.textContent = k;
      const dd = document.createElement('dd'); dd.textContent = String(v);
      dl.append(dt, dd);
    }
    const tbody = $('detail-recipients').querySelector('tbody');
    tbody.replaceChildren();
    for (const r of d.recipients) {
      const tr = document.createElement('tr');
      recordCell(tr, r.record_id, r.record_name, r.record_url);
      cell(tr, r.phone, 'mono phone');
      cell(tr, r.state, 'state state-' + r.state);
      cell(tr, r.reason + (r.error_code ? ' (' + r.error_code + ')' : ''));
      cell(tr, r.segments, 'num');
      cell(tr, r.gateway_sid, 'mono');
      cell(tr, r.task_id || r.task_state, 'mono');
      cell(tr, when(r.timestamps.accepted || r.timestamps.sent || r.last_attempt_at));
      cell(tr, when(r.updated_at));
      cell(tr, r.reply || '');
      tbody.appendChild(tr);
    }
    const ol = $('detail-events');
    ol.replaceChildren();
    for (const e of d.events.slice(-200)) {
      const li = document.createElement('li');
      li.textContent = when(e.at) + '  ' + e.kind + (e.state ? ' → ' + e.state : '') +
        (e.recipient_id ? '  #' + e.recipient_id : '') + (e.detail ? '  ' + e.detail : '');
      ol.appendChild(li);
    }
    $('detail').hidden = false;
    $('detail').scrollIntoView({ block: 'nearest' });
  } catch (err) {
    say(err.message, true);
  }
}

function isoDay(d) { return d.toISOString().slice(0, 10); }

async function loadUsage() {
  const p = new URLSearchParams();
  const from = $('u-from').value, to = $('u-to').value;
  if (from) p.set('from', from);
  if (to) {
    const end = new Date(to + 'T00:00:00Z');
    end.setUTCDate(end.getUTCDate() + 1);  // the 'to' day is included
    p.set('to', isoDay(end));
  }
  const group = $('u-group').value;
  try {
    const usage = await api('/v1/usage?' + p.toString() + '&group_by=' + group);
    $('u-key-head').textContent = $('u-group').selectedOptions[0].textContent;
    const tbody = $('usage').querySelector('tbody');
    tbody.replaceChildren();
    for (const r of usage.rows.concat([usage.total])) {
      const tr = document.createElement('tr');
      if (r === usage.total) tr.className = 'total';
      cell(tr, r.name ? r.name + ' (' + r.key + ')' : r.key);
      cell(tr, r.messages, 'num');
      cell(tr, r.segments, 'num');
      cell(tr, r.billable_units, 'num');
      cell(tr, r.estimated_cost.toFixed(4), 'num');
      cell(tr, r.failed, 'num');
      cell(tr, r.suppressed, 'num');
      cell(tr, Object.entries(r.suppressed_by_reason).map(([k, v]) => k + '=' + v).join(' '));
      tbody.appendChild(tr);
    }
    const byDay = group === 'day' ? usage : await api('/v1/usage?' + p.toString() + '&group_by=day');
    drawChart(byDay);
  } catch (err) {
    say(err.message, true);
  }
}

// Bar chart of segments per UTC day, drawn as SVG by hand.
function drawChart(usage) {
  const svgNs = 'http://www.w3.org/2000/svg';
  const box = $('usage-chart');
  box.replaceChildren();
  const days = [];
  const start = new Date(usage.from);
  const end = new Date(usage.to);
  const values = new Map(usage.rows.map((r) => [r.key, r.segments]));
  for (let d = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate()));
    d < end && days.length < 366; d.setUTCDate(d.getUTCDate() + 1)) {
    days.push([isoDay(d), values.get(isoDay(d)) || 0]);
  }
  const width = 720, height = 180, left = 40, bottom = 24;
  const max = Math.max(1, ...days.map(([, v]) => v));
  const svg = document.createElementNS(svgNs, 'svg');
  svg.setAttribute('viewBox', '0 0 ' + width + ' ' + height);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', 'Segments per day');
  const add = (name, attrs, text) => {
    const el = document.createElementNS(svgNs, name);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
    if (text !== undefined) el.textContent = text;
    svg.appendChild(el);
    return el;
  };
  const plotW = width - left - 8, plotH = height - bottom - 8;
  add('line', { x1: left, y1: 8 + plotH, x2: left + plotW, y2: 8 + plotH, class: 'axis' });
  add('text', { x: left - 4, y: 14, 'text-anchor': 'end', class: 'label' }, String(max));
  add('text', { x: left - 4, y: 8 + plotH, 'text-anchor': 'end', class: 'label' }, '0');
  const step = plotW / Math.max(1, days.length);
  days.forEach(([day, v], i) => {
    const h = (v / max) * plotH;
    const bar = add('rect', { x: left + i * step + 1, y: 8 + plotH - h, width: Math.max(1, step - 2), height: h,
      class: 'bar', 'data-day': day, 'data-segments': v });
    const title = document.createElementNS(svgNs, 'title');
    title.textContent = day + ': ' + v + ' segments';
    bar.appendChild(title);
    if (i === 0 || i === days.length - 1 || (days.length > 10 && i % Math.ceil(days.length / 6) === 0)) {
      add('text', { x: left + i * step + step / 2, y: height - 6, 'text-anchor': 'middle', class: 'label' },
        day.slice(5));
    }
  });
  box.appendChild(svg);
}

// Who is signed in (null when nobody, or when sign-in is not configured).
async function loadMe() {
  state.me = null;
  try {
    const res = await fetch('/auth/me', { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
    const body = res.ok ? await res.json() : {};
    if (res.ok && body.user_id) state.me = body;
    // 401: nobody signed in yet; sign_in_available false: the connector has no web_login configured.
    const available = res.status === 401 || (res.ok && body.sign_in_available !== false);
    $('sign-in').hidden = !available || !!state.me;
    if (!available || apiKey()) $('key-box').open = true;
  } catch (err) {
    $('sign-in').hidden = false;
  }
  $('signed-in').hidden = !state.me;
  if (state.me) {
    $('user-name').textContent = state.me.name || state.me.user_id;
    $('user-scope').textContent = state.me.sees_all ? '(all contact points, whole numbers)'
      : state.me.contact_points.length ? '(' + state.me.contact_points.join(', ') + ')' : '(no contact points)';
  }
}

async function signOut() {
  try {
    const res = await fetch('/auth/logout', {
      method: 'POST', credentials: 'same-origin',
      headers: { 'X-CSRF-Token': state.me ? state.me.csrf_token : '', Accept: 'application/json' },
    });
    const body = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error((body.error && body.error.message) || ('HTTP ' + res.status));
    state.me = null;
    $('signed-in').hidden = true;
    $('sign-in').hidden = false;
    $('history').querySelector('tbody').replaceChildren();
    $('usage').querySelector('tbody').replaceChildren();
    $('detail').hidden = true;
    say('Signed out.');
  } catch (err) {
    say(err.message, true);
  }
}

async function init() {
  $('key').value = apiKey();
  $('sign-out').addEventListener('click', signOut);
  $('key-form').addEventListener('submit', (e) => {
    e.preventDefault();
    sessionStorage.setItem(KEY_STORAGE, $('key').value.trim());
    state.cursors = ['']; state.page = 0;
    loadHistory();
    loadUsage();
  });
  $('forget-key').addEventListener('click', () => {
    sessionStorage.removeItem(KEY_STORAGE);
    $('key').value = '';
    say('Key forgotten.');
  });
  $('filters').addEventListener('submit', (e) => {
    e.preventDefault();
    state.cursors = ['']; state.page = 0;
    loadHistory();
  });
  $('reset').addEventListener('click', () => {
    $('filters').reset();
    state.cursors = ['']; state.page = 0;
    loadHistory();
  });
  $('older').addEventListener('click', () => {
    if (!state.next) return;
    state.cursors[state.page + 1] = state.next;
    state.page += 1;
    loadHistory();
  });
  $('newer').addEventListener('click', () => {
    if (state.page === 0) return;
    state.page -= 1;
    loadHistory();
  });
  $('close-detail').addEventListener('click', () => { $('detail').hidden = true; });
  const today = new Date();
  const monthAgo = new Date(today.getTime() - 29 * 86400000);
  $('u-from').value = isoDay(monthAgo);
  $('u-to').value = isoDay(today);
  $('usage-form').addEventListener('submit', (e) => { e.preventDefault(); loadUsage(); });
  await loadMe();
  if (apiKey() || signedIn()) {
    loadHistory();
    loadUsage();
  } else {
    say($('sign-in').hidden ? 'Enter a read-only API key to see the history.'
      : 'Sign in with Salesforce to see the history (or use an API key).');
  }
}

document.addEventListener('DOMContentLoaded', init);
