package dev.espfleet.board;

import io.nayuki.qrcodegen.QrCode;

/**
 * A unit's label: its thing name, MAC and a QR code of the thing name (plain text, what a scanner at the next station
 * types), drawn here as SVG: no image file, no script, nothing fetched.
 */
final class UnitLabel {
    /** The quiet zone around a QR code, in modules (ISO/IEC 18004: 4). */
    static final int QUIET_ZONE = 4;

    private UnitLabel() {
    }

    /**
     * The QR code (error correction M: a label may get scuffed) as an inline SVG element, one path of dark modules
     * on a white square with its quiet zone.
     */
    static String qrSvg(String text) {
        QrCode qr = QrCode.encodeText(text, QrCode.Ecc.MEDIUM);
        int size = qr.size + 2 * QUIET_ZONE;
        StringBuilder path = new StringBuilder();
        for (int y = 0; y < qr.size; y++) {
            for (int x = 0; x < qr.size; ) {
                if (!qr.getModule(x, y)) {
                    x++;
                    continue;
                }
                int run = 1;
                while (x + run < qr.size && qr.getModule(x + run, y)) {
                    run++;
                }
                path.append('M').append(x + QUIET_ZONE).append(',').append(y + QUIET_ZONE).append('h').append(run)
                        .append("v1h-").append(run).append('z');
                x += run;
            }
        }
        return "<svg class=\"qr\" viewBox=\"0 0 " + size + " " + size + "\" role=\"img\" aria-label=\"QR code of "
                + Html.escape(text) + "\" shape-rendering=\"crispEdges\"><rect width=\"" + size + "\" height=\"" + size
                + "\" fill=\"#fff\"/><path fill=\"#000\" d=\"" + path + "\"/></svg>";
    }

    /** The label page: the label at its printed size (62 mm wide), and on screen a print button and a way back. */
    static String page(String thing, String mac, String station) {
        String t = Html.escape(thing);
        return """
                <!doctype html>
                <html lang="en">
                <head>
                <meta charset="utf-8">
                <meta name="viewport" content="width=device-width, initial-scale=1">
                <title>Label %1$s</title>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml">
                <link rel="stylesheet" href="/label.css">
                <script src="/label.js" defer></script>
                </head>
                <body>
                <div class="controls">
                <p><a href="/">Back to the board</a></p>
                <button type="button" id="print">Print label</button>
                <p>Sized for 62&nbsp;mm label tape: 62&nbsp;×&nbsp;29&nbsp;mm labels (Brother QL with DK-11209, or
                DK-22205 continuous tape cut at 29&nbsp;mm). Print at 100&nbsp;%%, no margins.</p>
                </div>
                <main>
                <article class="label" aria-label="Label of %1$s">
                %2$s
                <div class="text">
                <p class="thing">%1$s</p>
                <p class="mac">MAC %3$s</p>
                <p class="station">%4$s</p>
                </div>
                </article>
                </main>
                </body>
                </html>
                """.formatted(t, qrSvg(thing), Html.escape(mac), Html.escape(station));
    }
}
