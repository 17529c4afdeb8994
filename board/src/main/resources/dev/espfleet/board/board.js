// The bench board: renders the server's snapshots (server-sent events) and sends the operator's actions.
// Tiles are made once and then only their text changes, so keyboard focus stays where the operator left it.
'use strict';

(function () {
  const csrf = document.querySelector('meta[name="espfleet-csrf"]').content;
  const ICONS = { pass: '✔', fail: '✖', working: '▶', paused: '‖', waiting: '○', ended: '■' };
  const tiles = new Map();
  let announcedResults = null;
  let phase = 'starting';

  const $ = (id) => document.getElementById(id);
  const operator = $('operator');
  try {
    operator.value = localStorage.getItem('espfleet-operator') || '';
  } catch (e) {
    // storage may be off; the name is then typed once per page
  }
  operator.addEventListener('change', () => {
    try {
      localStorage.setItem('espfleet-operator', operator.value);
    } catch (e) {
      // as above
    }
  });

  function setText(el, text) {
    if (el.textContent !== text) {
      el.textContent = text;
    }
  }

  function seconds(s) {
    if (s === null || s === undefined) {
      return '–';
    }
    if (s < 60) {
      return s.toFixed(1) + ' s';
    }
    const m = Math.floor(s / 60);
    return m + ' min ' + String(Math.floor(s % 60)).padStart(2, '0') + ' s';
  }

  function clock(iso) {
    return new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
  }

  // A button that cannot act now stays in the tab order (aria-disabled, not disabled), so focus never drops out of
  // the page when a button stops applying, as Retry does once pressed.
  function offer(button, can) {
    const value = can ? 'false' : 'true';
    if (button.getAttribute('aria-disabled') !== value) {
      button.setAttribute('aria-disabled', value);
    }
  }

  function usable(button) {
    return button.getAttribute('aria-disabled') !== 'true';
  }

  function makeTile(port) {
    const node = $('tile-template').content.firstElementChild.cloneNode(true);
    const index = tiles.size;
    const headingId = 'port-' + index;
    node.querySelector('.port').id = headingId;
    node.querySelector('.port').textContent = port;
    node.setAttribute('aria-labelledby', headingId);
    node.querySelector('progress').setAttribute('aria-label', 'Progress of ' + port);
    const pause = node.querySelector('.pause');
    const retry = node.querySelector('.retry');
    retry.setAttribute('aria-label', 'Retry the failed board on ' + port);
    pause.addEventListener('click', () => {
      if (usable(pause)) {
        act(pause.dataset.action, port);
      }
    });
    retry.addEventListener('click', () => {
      if (usable(retry)) {
        act('retry', port);
      }
    });
    $('ports').appendChild(node);
    const tile = {
      node, pause, retry,
      status: node.querySelector('.status'),
      icon: node.querySelector('.status .icon'),
      word: node.querySelector('.status .word'),
      note: node.querySelector('.note'),
      state: node.querySelector('.state'),
      progress: node.querySelector('progress'),
      progressRow: node.querySelector('.progress-row'),
      percent: node.querySelector('.percent'),
      thing: node.querySelector('.thing'),
      mac: node.querySelector('.mac'),
      elapsed: node.querySelector('.elapsed'),
      last: node.querySelector('.last'),
      label: node.querySelector('.label-link'),
    };
    tiles.set(port, tile);
    return tile;
  }

  function renderTile(p) {
    const t = tiles.get(p.port) || makeTile(p.port);
    t.node.dataset.status = p.status;
    setText(t.icon, ICONS[p.status] || '');
    setText(t.word, p.word);
    setText(t.note, p.note);
    setText(t.state, p.state);
    t.progressRow.hidden = p.percent < 0;
    if (p.percent >= 0) {
      t.progress.hidden = false;
      t.progress.value = p.percent;
      setText(t.percent, p.percent + ' %' + (p.rate !== null ? ' · ' + p.rate.toFixed(1) + ' KB/s' : ''));
    } else {
      t.progress.hidden = true;
      setText(t.percent, '');
    }
    setText(t.thing, p.thing || '–');
    setText(t.mac, p.mac || '–');
    setText(t.elapsed, seconds(p.elapsed));
    // the last board's thing name only when the tile shows another board now
    setText(t.last, p.last ? (p.last.pass ? 'PASS' : 'FAIL')
      + (p.last.thing && p.last.thing !== p.thing ? ' ' + p.last.thing : '') + ': ' + p.last.detail : '–');
    const pauseAction = p.paused ? 'resume' : 'pause';
    t.pause.dataset.action = pauseAction;
    setText(t.pause, p.paused ? 'Resume' : 'Pause');
    t.pause.setAttribute('aria-label', (p.paused ? 'Resume ' : 'Pause ') + p.port);
    offer(t.pause, p.serving && phase !== 'stopping' && phase !== 'finished');
    offer(t.retry, p.retryable && phase !== 'stopping' && phase !== 'finished');
    if (p.label) {
      t.label.hidden = false;
      const href = '/label?thing=' + encodeURIComponent(p.label);
      if (t.label.getAttribute('href') !== href) {
        t.label.setAttribute('href', href);
        t.label.setAttribute('aria-label', 'Print the label of ' + p.label);
      }
    } else {
      t.label.hidden = true;
      t.label.removeAttribute('href');
    }
  }

  function renderList(list, items, render) {
    while (list.children.length > items.length) {
      list.lastElementChild.remove();
    }
    items.forEach((item, i) => {
      let li = list.children[i];
      if (!li) {
        li = document.createElement('li');
        list.appendChild(li);
      }
      setText(li, render(item));
    });
  }

  function render(s) {
    phase = s.phase;
    setText($('done'), String(s.totals.done));
    setText($('failed'), String(s.totals.failed));
    setText($('per-hour'), s.totals.perHour === null ? '–' : String(s.totals.perHour));
    const notice = $('notice');
    notice.hidden = !s.notice;
    setText(notice, s.notice || '');
    s.ports.forEach(renderTile);
    const stop = $('stop');
    offer(stop, s.phase === 'running');
    setText(stop, s.phase === 'stopping' ? 'Stopping…' : 'Stop after boards in flight');
    renderList($('failures'), s.failures, (f) => clock(f.time) + ' ' + f.port + ' ' + (f.thing || 'no identity')
      + (f.mac ? ' (' + f.mac + ')' : '') + ': ' + f.reason + (f.retried ? ' (passed on retry)' : ''));
    $('no-failures').hidden = s.failures.length > 0;
    renderList($('audit'), s.audit, (a) => clock(a.time) + ' ' + a.event + (a.port ? ' ' + a.port : '')
      + (a.detail ? ': ' + a.detail : ''));
    const live = $('live');
    live.dataset.state = s.phase;
    setText(live.querySelector('.icon'), s.phase === 'finished' ? '■' : '●');
    setText(live.querySelector('.text'), {
      starting: 'Live · starting',
      running: 'Live',
      stopping: 'Live · stopping after the boards in flight',
      finished: 'Bench finished · this board stays up until Ctrl-C',
    }[s.phase]);
    announce(s);
  }

  // New results are read out (aria-live) as they come, not the whole board at every change.
  function announce(s) {
    if (announcedResults === null) {
      announcedResults = s.results;
      return;
    }
    const fresh = s.recent.filter((r) => r.n > announcedResults).reverse();
    if (fresh.length > 0) {
      announcedResults = s.results;
      setText($('announce'), fresh.map((r) => r.port + ' ' + (r.pass ? 'PASS' : 'FAIL') + (r.thing ? ' ' + r.thing : '')
        + (r.pass ? '' : ': ' + r.detail)).join('; '));
    }
  }

  async function act(action, port) {
    setText($('action-error'), '');
    setText($('action-result'), '');
    const body = new URLSearchParams({ operator: operator.value });
    if (port) {
      body.set('port', port);
    }
    try {
      const response = await fetch('/api/' + action, {
        method: 'POST',
        headers: { 'X-Espfleet-Csrf': csrf, 'Content-Type': 'application/x-www-form-urlencoded' },
        body,
        credentials: 'same-origin',
      });
      const answer = await response.json();
      if (response.ok) {
        setText($('action-result'), answer.message);
      } else {
        setText($('action-error'), 'Not done: ' + answer.error);
      }
    } catch (e) {
      setText($('action-error'), 'Not done: the board cannot reach espfleet (' + e.message + ')');
    }
  }

  $('stop').addEventListener('click', () => {
    if (usable($('stop')) && window.confirm('Stop the bench? No new board is taken; the boards in flight finish.')) {
      act('stop');
    }
  });

  const events = new EventSource('/events');
  events.addEventListener('state', (e) => render(JSON.parse(e.data)));
  events.addEventListener('open', () => {
    $('live').dataset.connection = 'open';
  });
  events.addEventListener('error', () => {
    $('live').dataset.connection = 'lost';
    setText($('live').querySelector('.icon'), '○');
    setText($('live').querySelector('.text'), 'Reconnecting to espfleet…');
  });
}());
