import { makeStyles, mergeClasses, shorthands, Text, tokens } from '@fluentui/react-components';
import { createFocusOutlineStyle } from '@fluentui/react-components';
import type { ReactNode } from 'react';

const useStyles = makeStyles({
  tile: {
    // The focus ring is drawn by an ::after placed against the tile itself.
    position: 'relative',
    display: 'flex',
    flexDirection: 'column',
    alignItems: 'flex-start',
    gap: tokens.spacingVerticalXS,
    minHeight: '88px',
    padding: tokens.spacingHorizontalM,
    textAlign: 'left',
    cursor: 'pointer',
    color: tokens.colorNeutralForeground1,
    backgroundColor: tokens.colorNeutralBackground1,
    ...shorthands.border(tokens.strokeWidthThin, 'solid', tokens.colorNeutralStroke1),
    borderRadius: tokens.borderRadiusMedium,
    boxShadow: tokens.shadow2,
    fontFamily: 'inherit',
    ':hover': { backgroundColor: tokens.colorNeutralBackground1Hover, boxShadow: tokens.shadow4 },
    ...createFocusOutlineStyle(),
  },
  // A second ring drawn inside keeps the content from shifting when a tile is chosen.
  selected: {
    ...shorthands.borderColor(tokens.colorBrandStroke1),
    boxShadow: `inset 0 0 0 1px ${tokens.colorBrandStroke1}`,
    backgroundColor: tokens.colorBrandBackground2,
    ':hover': { backgroundColor: tokens.colorBrandBackground2Hover },
  },
  disabled: {
    cursor: 'not-allowed',
    color: tokens.colorNeutralForegroundDisabled,
    backgroundColor: tokens.colorNeutralBackgroundDisabled,
    boxShadow: 'none',
    ':hover': { backgroundColor: tokens.colorNeutralBackgroundDisabled, boxShadow: 'none' },
  },
  icon: { fontSize: '24px', color: tokens.colorBrandForeground1, display: 'flex' },
  title: { fontWeight: tokens.fontWeightSemibold },
  caption: { color: tokens.colorNeutralForeground3 },
});

interface Props {
  title: string;
  caption?: string;
  icon?: ReactNode;
  selected: boolean;
  disabled?: boolean;
  onSelect: () => void;
}

/**
 * One choice among tiles. A real button, so Tab reaches it and Enter/Space choose it; announced
 * as a radio because only one tile can be chosen.
 */
export function Tile({ title, caption, icon, selected, disabled, onSelect }: Props) {
  const styles = useStyles();
  return (
    <button
      type="button"
      role="radio"
      aria-checked={selected}
      className={mergeClasses(styles.tile, selected && styles.selected, disabled && styles.disabled)}
      // Still focusable when disabled, so keyboard users can read why it cannot be chosen.
      aria-disabled={disabled || undefined}
      onClick={disabled ? undefined : onSelect}
    >
      {icon ? <span className={styles.icon}>{icon}</span> : null}
      <Text className={styles.title}>{title}</Text>
      {caption ? (
        <Text size={200} className={disabled ? undefined : styles.caption}>
          {caption}
        </Text>
      ) : null}
    </button>
  );
}
