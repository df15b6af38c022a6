import { problemLine } from '../problemWords';
import { Button, Field, Input, makeStyles, Text, tokens } from '@fluentui/react-components';
import { CheckmarkCircle16Filled, Eye20Regular, EyeOff20Regular } from '@fluentui/react-icons';
import { useRef, useState, type FocusEvent, type KeyboardEvent } from 'react';
import { toProblem } from '../backend';

const useStyles = makeStyles({
  stored: { display: 'flex', alignItems: 'center', flexWrap: 'wrap', columnGap: tokens.spacingHorizontalS, minHeight: '32px' },
  storedText: {
    display: 'inline-flex',
    alignItems: 'center',
    gap: tokens.spacingHorizontalXS,
    whiteSpace: 'nowrap',
    color: tokens.colorPaletteGreenForeground1,
  },
  change: { minWidth: 'auto' },
  field: { minWidth: 0 },
  input: { width: '100%' },
  // Without this the inner <input> keeps its intrinsic width and spills out of narrow table cells.
  innerInput: { width: 0, flexGrow: 1 },
});

interface Props {
  /** Visible label; when `hideLabel`, used as the accessible name only (table cells). */
  label: string;
  hideLabel?: boolean;
  stored: boolean;
  disabled?: boolean;
  disabledReason?: string;
  hint?: string;
  placeholder?: string;
  storedText?: string;
  /** Sends the password to the keyring. The field forgets it as soon as this resolves. */
  onStore: (password: string) => Promise<void>;
  /** Called when the owner wants to replace a stored password. */
  onChangeRequested?: () => void;
  /** What the page needs from this field before it can go on ("Enter the password."). */
  problem?: string | null;
}

/**
 * A password that is never kept: typed here, stored when the field loses focus or on Enter,
 * then cleared and replaced by "Password stored". Nothing else in the window holds it.
 */
export function PasswordField({
  label,
  hideLabel,
  stored,
  disabled,
  disabledReason,
  hint,
  placeholder,
  storedText = 'Password stored',
  onStore,
  onChangeRequested,
  problem,
}: Props) {
  const styles = useStyles();
  const [value, setValue] = useState('');
  const [visible, setVisible] = useState(false);
  const [replacing, setReplacing] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const committing = useRef(false);
  const inputRef = useRef<HTMLInputElement>(null);

  const commit = async () => {
    if (committing.current || value === '' || disabled) return;
    committing.current = true;
    setBusy(true);
    try {
      await onStore(value);
      setValue('');
      setVisible(false);
      setReplacing(false);
      setError(null);
    } catch (e) {
      const problem = toProblem(e);
      setError(problemLine(problem));
    } finally {
      committing.current = false;
      setBusy(false);
    }
  };

  if (stored && !replacing) {
    return (
      <div className={styles.stored}>
        <Text className={styles.storedText} role="status">
          <CheckmarkCircle16Filled aria-hidden />
          {storedText}
        </Text>
        <Button
          size="small"
          appearance="subtle"
          className={styles.change}
          aria-label={`Change ${label.toLowerCase()}`}
          onClick={() => {
            setReplacing(true);
            onChangeRequested?.();
            // Focus moves into the new field so keyboard users land where they type.
            requestAnimationFrame(() => inputRef.current?.focus());
          }}
        >
          Change
        </Button>
      </div>
    );
  }

  // Moving to "Show" stays inside the field: that is not the end of typing.
  const onBlur = (event: FocusEvent<HTMLDivElement>) => {
    if (event.currentTarget.contains(event.relatedTarget as Node | null)) return;
    void commit();
  };
  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'Enter') {
      event.preventDefault();
      void commit();
    }
  };

  return (
    <Field
      className={styles.field}
      label={hideLabel ? undefined : label}
      validationMessage={error ?? problem ?? (disabled && !hideLabel ? disabledReason : undefined)}
      validationState={error || problem ? 'error' : 'none'}
      hint={!error && !problem && !disabled ? hint : undefined}
    >
      <div onBlur={onBlur}>
      <Input
        ref={inputRef}
        className={styles.input}
        aria-label={hideLabel ? label : undefined}
        type={visible ? 'text' : 'password'}
        value={value}
        disabled={disabled || busy}
        placeholder={disabled && hideLabel && disabledReason ? disabledReason : placeholder}
        input={{ className: styles.innerInput }}
        autoComplete="new-password"
        spellCheck={false}
        onChange={(_, data) => {
          setValue(data.value);
          if (error) setError(null);
        }}
        onKeyDown={onKeyDown}
        contentAfter={
          <Button
            appearance="transparent"
            size="small"
            icon={visible ? <EyeOff20Regular /> : <Eye20Regular />}
            aria-label={visible ? `Hide ${label.toLowerCase()}` : `Show ${label.toLowerCase()}`}
            aria-pressed={visible}
            disabled={disabled || busy}
            onMouseDown={(e) => e.preventDefault()}
            onClick={() => setVisible((v) => !v)}
          />
        }
      />
      </div>
    </Field>
  );
}
