import { MessageBar, MessageBarBody, MessageBarTitle } from '@fluentui/react-components';
import type { DemoSetup } from '../backend';
import { formatCount } from '../format';

/** Says plainly that this is a demo on sample servers, and what to do next. */
export function DemoBanner({ demo }: { demo: DemoSetup }) {
  const messages = demo.users.reduce((sum, user) => sum + user.messages, 0);
  return (
    <MessageBar intent="info" layout="multiline">
      <MessageBarBody>
        <MessageBarTitle>Demo</MessageBarTitle>
        Two sample mail servers are running on this computer, with {demo.users.length} mailboxes and{' '}
        {formatCount(messages)} messages. Choose Get started: everything is filled in, so Next on every page and then
        Start migration shows a whole migration. Nothing leaves this computer, and the sample passwords are kept in
        memory only.
      </MessageBarBody>
    </MessageBar>
  );
}
