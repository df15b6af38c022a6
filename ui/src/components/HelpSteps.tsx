import { makeStyles, tokens } from '@fluentui/react-components';
import { Fragment, type ReactNode } from 'react';
import { ExternalLink } from './ExternalLink';

const useStyles = makeStyles({
  root: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
  list: { margin: 0, paddingLeft: tokens.spacingHorizontalXXL, display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXS },
  para: { margin: 0 },
});

// Bare site names in the presets' help ("myaccount.google.com → Security") become links.
const LINK = /\b(https?:\/\/[^\s)]+|(?:[a-z0-9-]+\.)+(?:com|net|org|io|me)\b(?:\/[^\s)]*)?)/gi;

function linkify(text: string): ReactNode[] {
  const out: ReactNode[] = [];
  let last = 0;
  for (const match of text.matchAll(LINK)) {
    const start = match.index ?? 0;
    if (start > last) out.push(text.slice(last, start));
    const raw = match[0].replace(/[.,;]+$/, '');
    const url = /^https?:\/\//i.test(raw) ? raw.replace(/^http:/i, 'https:') : `https://${raw}`;
    out.push(
      <ExternalLink key={start} url={url}>
        {raw}
      </ExternalLink>,
    );
    last = start + raw.length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

/**
 * A preset's multi-line help: numbered lines become an ordered list, the rest paragraphs,
 * so "what to prepare" reads as steps.
 */
export function HelpSteps({ text }: { text: string }) {
  const styles = useStyles();
  const blocks: { kind: 'para' | 'steps'; lines: string[] }[] = [];
  for (const line of text.split('\n').map((l) => l.trim()).filter(Boolean)) {
    const step = /^\d+[.)]\s+(.*)$/.exec(line);
    const kind = step ? 'steps' : 'para';
    const content = step ? step[1] : line;
    const lastBlock = blocks[blocks.length - 1];
    if (kind === 'steps' && lastBlock?.kind === 'steps') lastBlock.lines.push(content);
    else blocks.push({ kind, lines: [content] });
  }
  return (
    <div className={styles.root}>
      {blocks.map((block, i) =>
        block.kind === 'steps' ? (
          <ol key={i} className={styles.list}>
            {block.lines.map((line, j) => (
              <li key={j}>{linkify(line)}</li>
            ))}
          </ol>
        ) : (
          <Fragment key={i}>
            {block.lines.map((line, j) => (
              <p key={j} className={styles.para}>
                {linkify(line)}
              </p>
            ))}
          </Fragment>
        ),
      )}
    </div>
  );
}
