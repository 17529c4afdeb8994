// The label page's print button (no inline script: the board's Content-Security-Policy forbids it).
'use strict';
document.getElementById('print').addEventListener('click', () => window.print());
