package io.nkd.upgrade;

import io.nkd.config.UpgradePolicy.MaintenanceWindow;
import java.text.ParseException;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.TimeZone;
import org.quartz.CronExpression;

/**
 * A cluster's maintenance windows at an instant: each window starts at every fire time of its Quartz cron schedule
 * (in its time zone, daylight saving included, as Quartz computes it) and lasts its duration. Windows may overlap; the
 * instant is inside when it is inside any. Pure: the instant is an argument.
 */
public final class MaintenanceWindows {
    /** Enough to cross the longest overlap of a frequent schedule without looping for ever on a pathological one. */
    private static final int MAX_FIRES = 10_000;

    private MaintenanceWindows() {
    }

    /**
     * Where an instant stands.
     *
     * @param open     inside a window
     * @param closesAt when the window that contains it ends (the latest end of overlapping ones), null when closed
     * @param opensAt  when the next window starts, null when open or when no schedule fires again
     */
    public record State(boolean open, Instant closesAt, Instant opensAt) {
    }

    /** @throws IllegalArgumentException for a schedule or time zone validation would have refused */
    public static State at(List<MaintenanceWindow> windows, Instant now) {
        Instant closes = null;
        Instant opens = null;
        for (MaintenanceWindow w : windows) {
            CronExpression cron = cron(w);
            // a window containing now started in (now - duration, now]: the first fire after now - duration
            Instant from = now.minus(w.duration());
            Date fire = cron.getNextValidTimeAfter(Date.from(from));
            for (int i = 0; fire != null && !fire.toInstant().isAfter(now) && i < MAX_FIRES; i++) {
                Instant end = fire.toInstant().plus(w.duration());
                if (end.isAfter(now) && (closes == null || end.isAfter(closes))) {
                    closes = end;
                }
                fire = cron.getNextValidTimeAfter(fire);
            }
            Date next = cron.getNextValidTimeAfter(Date.from(now));
            if (next != null && (opens == null || next.toInstant().isBefore(opens))) {
                opens = next.toInstant();
            }
        }
        return closes != null ? new State(true, closes, null) : new State(false, null, opens);
    }

    /** The schedule of a window, in its time zone. */
    public static CronExpression cron(MaintenanceWindow w) {
        try {
            CronExpression cron = new CronExpression(w.schedule());
            cron.setTimeZone(TimeZone.getTimeZone(java.time.ZoneId.of(w.timeZone())));
            return cron;
        } catch (ParseException | java.time.DateTimeException e) {
            throw new IllegalArgumentException("maintenance window \"" + w.schedule() + "\" (" + w.timeZone() + "): "
                    + e.getMessage(), e);
        }
    }

    /** When the first window opens strictly after {@code now}, if a schedule fires again. */
    public static Optional<Instant> nextOpening(List<MaintenanceWindow> windows, Instant now) {
        return Optional.ofNullable(at(windows, now).opensAt());
    }
}
