package org.pinscan.sample.okhttp_constants;

/** Pins kept apart from the client, as constants and as an array built in <clinit>. */
final class PinConfig {
    static final String HOST = "**.pinscan-demo.example";
    static final String PRIMARY = "sha256/2/W98XF9WGnNbg8vMJAJQTPd1QcKpIrpZWTlWDwLJAA=";
    static final String[] BACKUPS = { "sha256/rTIyPM+S7Gn2osbBoxcLB9ZBYIzk+hzpiuO3zS5oYng=" };

    /** Looks like a pin, but only ever reaches a log call. */
    static final String UNUSED_PIN = "sha256/r5gSG+2svWdFKY+tnmW0ph3JBeCI7EKWjAP68STiq7k=";

    private PinConfig() {
    }

    /** PRIMARY followed by BACKUPS. Nothing calls it. */
    static String[] all() {
        String[] pins = new String[1 + BACKUPS.length];
        pins[0] = PRIMARY;
        System.arraycopy(BACKUPS, 0, pins, 1, BACKUPS.length);
        return pins;
    }
}
