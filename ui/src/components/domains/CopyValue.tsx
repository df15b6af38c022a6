import { Button, makeStyles, Text, tokens } from '@fluentui/react-components';
import { Checkmark16Regular, Copy16Regular } from '@fluentui/react-icons';
import { useEffect, useRef, useState } from 'react';

const useStyles = makeStyles({
  root: { display: 'flex', alignItems: 'center', gap: tokens.spacingHorizontalS, minWidth: 0 },
  value: {
    fontFamily: tokens.fontFamilyMonospace,
    fontSize: tokens.fontSizeBase300,
    padding: `${tokens.spacingVerticalXXS} ${tokens.spacingHorizontalS}`,
    borderRadius: tokens.borderRadiusMedium,
    backgroundColor: tokens.colorNeutralBackground3,
    color: tokens.colorNeutralForeground1,
    overflowWrap: 'anywhere',
    // Selectable by hand too, for when the clipboard is not available.
    userSelect: 'all',
  },
  failed: { color: tokens.colorPaletteRedForeground1 },
});

/** A value to enter at the DNS host, exactly as shown, with a button that copies it. */
export function CopyValue({ value, label }: { value: string; label: string }) {
  const styles = useStyles();
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );

  const copy = () => {
    const clipboard = typeof navigator !== 'undefined' ? navigator.clipboard : undefined;
    const done = clipboard ? clipboard.writeText(value) : Promise.reject(new Error('no clipboard'));
    done
      .then(() => setState('copied'))
      .catch(() => setState('failed'))
      .finally(() => {
        if (timer.current) clearTimeout(timer.current);
        timer.current = setTimeout(() => setState('idle'), 3000);
      });
  };

  return (
    <div className={styles.root}>
      <code className={styles.value}>{value}</code>
      <Button
        size="small"
        appearance="secondary"
        icon={state === 'copied' ? <Checkmark16Regular /> : <Copy16Regular />}
        aria-label={`Copy the ${label}`}
        onClick={copy}
      >
        {state === 'copied' ? 'Copied' : 'Copy'}
      </Button>
      {state === 'failed' ? (
        <Text role="status" size={200} className={styles.failed}>
          Could not copy: select the value and copy it by hand.
        </Text>
      ) : (
        <span role="status" aria-live="polite" style={{ position: 'absolute', width: 1, height: 1, overflow: 'hidden', clipPath: 'inset(50%)' }}>
          {state === 'copied' ? 'Copied' : ''}
        </span>
      )}
    </div>
  );
}
