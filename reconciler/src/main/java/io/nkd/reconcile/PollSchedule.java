package io.nkd.reconcile;

import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;
import org.quartz.DisallowConcurrentExecution;
import org.quartz.Job;
import org.quartz.JobBuilder;
import org.quartz.JobDataMap;
import org.quartz.JobExecutionContext;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.SimpleScheduleBuilder;
import org.quartz.TriggerBuilder;
import org.quartz.impl.StdSchedulerFactory;

/**
 * Polls the source on a Quartz schedule. Each poll waits a random jitter of up to a tenth of the interval first,
 * so many nkd instances on one Git server do not all knock at the same second.
 */
public final class PollSchedule implements AutoCloseable {
    private final Scheduler scheduler;

    public PollSchedule(Controller controller, Duration interval) throws SchedulerException {
        Properties p = new Properties();
        p.setProperty("org.quartz.scheduler.instanceName", "nkd-poll");
        p.setProperty("org.quartz.threadPool.threadCount", "1");
        p.setProperty("org.quartz.jobStore.class", "org.quartz.simpl.RAMJobStore");
        p.setProperty("org.quartz.scheduler.skipUpdateCheck", "true");
        scheduler = new StdSchedulerFactory(p).getScheduler();
        JobDataMap data = new JobDataMap();
        data.put("controller", controller);
        data.put("jitterMillis", interval.toMillis() / 10);
        scheduler.scheduleJob(JobBuilder.newJob(PollJob.class).withIdentity("poll").usingJobData(data).build(),
                TriggerBuilder.newTrigger().withIdentity("poll").startNow()
                        .withSchedule(SimpleScheduleBuilder.simpleSchedule().withIntervalInMilliseconds(interval.toMillis())
                                .repeatForever().withMisfireHandlingInstructionNextWithRemainingCount())
                        .build());
        scheduler.start();
    }

    /** The Quartz job: jitter, then one poll. */
    @DisallowConcurrentExecution
    public static final class PollJob implements Job {
        @Override
        public void execute(JobExecutionContext context) {
            JobDataMap data = context.getMergedJobDataMap();
            long jitter = data.getLong("jitterMillis");
            try {
                if (jitter > 0 && context.getPreviousFireTime() != null) {
                    Thread.sleep(ThreadLocalRandom.current().nextLong(jitter));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            ((Controller) data.get("controller")).poll();
        }
    }

    @Override
    public void close() {
        try {
            scheduler.shutdown(false);
        } catch (SchedulerException e) {
            // shutting down: nothing to do
        }
    }
}
