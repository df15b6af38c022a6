import {
  Menu,
  MenuButton,
  MenuDivider,
  MenuItem,
  MenuList,
  MenuPopover,
  MenuTrigger,
  Overflow,
  OverflowDivider,
  OverflowItem,
  Toolbar,
  ToolbarButton,
  ToolbarDivider,
  useIsOverflowGroupVisible,
  useIsOverflowItemVisible,
  makeStyles,
  mergeClasses,
  useOverflowMenu,
} from '@fluentui/react-components';
import { MoreHorizontal20Regular } from '@fluentui/react-icons';
import { Fragment, type ReactElement } from 'react';

export interface Command {
  id: string;
  label: string;
  icon: ReactElement;
  onClick: () => void;
  disabled?: boolean;
  /** Commands of one group sit together, with a divider between groups. */
  group?: string;
}

interface Props {
  label: string;
  commands: Command[];
  className?: string;
}

const useStyles = makeStyles({
  // The overflow manager needs a row that may shrink, and buttons that may not: a label
  // squeezed onto two lines is what it exists to prevent.
  bar: { display: 'flex', flexWrap: 'nowrap', minWidth: 0 },
  button: { whiteSpace: 'nowrap', flexShrink: 0 },
});

/**
 * A row of commands that never wraps: on a narrow window the last ones move into a
 * "More actions" menu, as command bars do in Microsoft's admin centers.
 */
export function CommandBar({ label, commands, className }: Props) {
  const styles = useStyles();
  const groups = [...new Set(commands.map((c) => c.group ?? ''))];
  return (
    <Overflow padding={48}>
      <Toolbar aria-label={label} className={mergeClasses(styles.bar, className)}>
        {commands.map((command, i) => {
          const group = command.group ?? '';
          const startsGroup = i > 0 && (commands[i - 1].group ?? '') !== group;
          return (
            <Fragment key={command.id}>
              {startsGroup ? <GroupDivider group={commands[i - 1].group ?? ''} /> : null}
              <OverflowItem id={command.id} groupId={group}>
                <ToolbarButton
                  className={styles.button}
                  icon={command.icon}
                  onClick={command.onClick}
                  disabled={command.disabled}
                >
                  {command.label}
                </ToolbarButton>
              </OverflowItem>
            </Fragment>
          );
        })}
        <MoreCommands commands={commands} groups={groups} />
      </Toolbar>
    </Overflow>
  );
}

function GroupDivider({ group }: { group: string }) {
  const visible = useIsOverflowGroupVisible(group);
  if (visible === 'hidden') return null;
  return (
    <OverflowDivider groupId={group}>
      <ToolbarDivider />
    </OverflowDivider>
  );
}

function MoreCommands({ commands, groups }: { commands: Command[]; groups: string[] }) {
  const { ref, isOverflowing } = useOverflowMenu<HTMLButtonElement>();
  if (!isOverflowing) return null;
  return (
    <Menu>
      <MenuTrigger disableButtonEnhancement>
        <MenuButton ref={ref} appearance="transparent" icon={<MoreHorizontal20Regular />} aria-label="More actions" />
      </MenuTrigger>
      <MenuPopover>
        <MenuList>
          {groups.map((group, g) => (
            <Fragment key={group}>
              {g > 0 ? <MenuDivider /> : null}
              {commands
                .filter((c) => (c.group ?? '') === group)
                .map((command) => (
                  <HiddenCommand key={command.id} command={command} />
                ))}
            </Fragment>
          ))}
        </MenuList>
      </MenuPopover>
    </Menu>
  );
}

function HiddenCommand({ command }: { command: Command }) {
  const visible = useIsOverflowItemVisible(command.id);
  if (visible) return null;
  return (
    <MenuItem icon={command.icon} onClick={command.onClick} disabled={command.disabled}>
      {command.label}
    </MenuItem>
  );
}
