import { Button, makeStyles, Spinner, Text, tokens } from '@fluentui/react-components';
import { CheckmarkCircle20Filled, Warning20Filled } from '@fluentui/react-icons';
import { useCallback, useEffect, useRef, useState } from 'react';
import { batchRetirement, toProblem, type AppError, type Retirement, type RetiringMailbox } from '../../backend';
import { formatCount, formatDateTime } from '../../format';
import { ProblemBar } from '../ProblemBar';
import { outlinedPanel } from '../panel';

const useStyles = makeStyles({
  root: outlinedPanel,
  h2: { margin: 0, fontSize: tokens.fontSizeBase500, fontWeight: tokens.fontWeightSemibold },
  h3: { margin: 0, fontSize: tokens.fontSizeBase300, fontWeight: tokens.fontWeightSemibold },
  list: { margin: 0, paddingLeft: 0, listStyle: 'none', display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
  mailbox: { display: 'grid', gridTemplateColumns: '24px minmax(0, 1fr)', columnGap: tokens.spacingHorizontalS },
  icon: { gridRow: '1 / span 4', paddingTop: '1px' },
  ok: { color: tokens.colorPaletteGreenForeground1 },
  notYet: { color: tokens.colorPaletteDarkOrangeForeground1 },
  names: { overflowWrap: 'anywhere' },
  facts: { color: tokens.colorNeutralForeground2 },
  reasons: { margin: 0, paddingLeft: tokens.spacingHorizontalL },
  steps: { margin: 0, paddingLeft: tokens.spacingHorizontalXL },
});

function MailboxItem({ mailbox }: { mailbox: RetiringMailbox }) {
  const styles = useStyles();
  const Icon = mailbox.can_retire ? CheckmarkCircle20Filled : Warning20Filled;
  return (
    <li className={styles.mailbox} aria-label={mailbox.source_mailbox}>
      <Icon className={`${styles.icon} ${mailbox.can_retire ? styles.ok : styles.notYet}`} aria-hidden />
      <Text className={styles.names}>
        <Text weight="semibold">{mailbox.source_mailbox}</Text> on the old provider, now {mailbox.new_mailbox}
      </Text>
      <Text className={styles.facts}>
        {mailbox.last_synced_at !== null ? `Last synced ${formatDateTime(mailbox.last_synced_at)} · ` : 'Never synced · '}
        {formatCount(mailbox.messages_copied)} of {formatCount(mailbox.messages_in_source)} messages copied
      </Text>
      {mailbox.excluded_folders.length > 0 ? (
        <Text className={styles.facts}>Left out by the migration's options: {mailbox.excluded_folders.join(', ')}</Text>
      ) : null}
      {mailbox.before_retiring.length > 0 ? (
        <ul className={styles.reasons} aria-label={`Before retiring ${mailbox.source_mailbox}`}>
          {mailbox.before_retiring.map((why) => (
            <li key={why}>
              <Text>{why}</Text>
            </li>
          ))}
        </ul>
      ) : null}
    </li>
  );
}

/**
 * Once mailboxes are completed: which old mailboxes can be retired (each one's last sync and
 * messages copied), which still hold mail the new ones lack, and what is left to do.
 */
export function CompletedView({ batch }: { batch: string }) {
  const styles = useStyles();
  const [retirement, setRetirement] = useState<Retirement | null>(null);
  const [problem, setProblem] = useState<AppError | null>(null);
  const alive = useRef(true);

  const load = useCallback(() => {
    setProblem(null);
    batchRetirement(batch)
      .then((answer) => {
        if (alive.current) setRetirement(answer);
      })
      .catch((e) => {
        if (alive.current) setProblem(toProblem(e));
      });
  }, [batch]);

  useEffect(() => {
    alive.current = true;
    load();
    return () => {
      alive.current = false;
    };
  }, [load]);

  const ready = retirement?.mailboxes.filter((m) => m.can_retire) ?? [];
  const notYet = retirement?.mailboxes.filter((m) => !m.can_retire) ?? [];
  return (
    <section className={styles.root} aria-labelledby="completed-heading">
      <h2 id="completed-heading" className={styles.h2}>
        Completed
      </h2>
      {problem ? <ProblemBar problem={problem} actions={<Button onClick={load}>Try again</Button>} /> : null}
      {!retirement && !problem ? <Spinner size="tiny" label="Reading what was copied…" /> : null}
      {retirement ? (
        <>
          <Text>
            Mailferry no longer syncs the completed mailboxes. {formatCount(ready.length)} of{' '}
            {formatCount(retirement.mailboxes.length)} old mailboxes can be retired: everything in them is in the new
            mailboxes.
          </Text>
          {ready.length > 0 ? (
            <section aria-labelledby="retire-ready" className={styles.list}>
              <h3 id="retire-ready" className={styles.h3}>
                Old mailboxes you can retire
              </h3>
              <ul className={styles.list}>
                {ready.map((m) => (
                  <MailboxItem key={m.new_mailbox} mailbox={m} />
                ))}
              </ul>
            </section>
          ) : null}
          {notYet.length > 0 ? (
            <section aria-labelledby="retire-not-yet" className={styles.list}>
              <h3 id="retire-not-yet" className={styles.h3}>
                Not yet: these still hold mail the new mailboxes do not have
              </h3>
              <ul className={styles.list}>
                {notYet.map((m) => (
                  <MailboxItem key={m.new_mailbox} mailbox={m} />
                ))}
              </ul>
            </section>
          ) : null}
          <section aria-labelledby="next-steps" className={styles.list}>
            <h3 id="next-steps" className={styles.h3}>
              Next steps
            </h3>
            <ol className={styles.steps}>
              {retirement.next_steps.map((step) => (
                <li key={step}>
                  <Text>{step}</Text>
                </li>
              ))}
            </ol>
          </section>
        </>
      ) : null}
    </section>
  );
}
