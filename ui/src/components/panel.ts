import { tokens, type GriffelStyle } from '@fluentui/react-components';

/** A panel on a page (a summary, a card, a mailbox's details): one look for all of them. */
export const panel: GriffelStyle = {
  display: 'flex',
  flexDirection: 'column',
  gap: tokens.spacingVerticalM,
  padding: `${tokens.spacingVerticalM} ${tokens.spacingHorizontalL}`,
  borderRadius: tokens.borderRadiusMedium,
};

/** A panel set off by its shade. */
export const shadedPanel: GriffelStyle = { ...panel, backgroundColor: tokens.colorNeutralBackground2 };

/** A panel set off by its outline. */
export const outlinedPanel: GriffelStyle = {
  ...panel,
  border: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`,
  backgroundColor: tokens.colorNeutralBackground1,
};
