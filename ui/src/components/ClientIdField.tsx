import { Field, Input } from '@fluentui/react-components';
import type { ProviderKind } from '../backend';
import { isClientId } from '../clientId';

const HINTS: Record<ProviderKind, string> = {
  microsoft:
    'The ID the setup script printed, or from your app registration in Microsoft Entra ID (Overview → Application (client) ID).',
  google: 'From your OAuth client ("Desktop app") in Google Cloud Console → APIs & Services → Credentials.',
};

interface Props {
  provider: ProviderKind;
  value: string;
  onChange: (value: string) => void;
  /** Shown once the owner tried to go on without it. */
  problem?: string;
}

/** The application (client) ID that "Sign in with Microsoft/Google" signs in to. */
export function ClientIdField({ provider, value, onChange, problem }: Props) {
  // Entra ID's IDs are GUIDs: a pasted line of the script's output or a secret is caught here.
  const notAnId =
    provider === 'microsoft' && value.trim() !== '' && !isClientId(value)
      ? 'This is not an Application (client) ID. It looks like 9e5f94bc-e8a4-4e73-b8be-63364c29d753: copy only the ID after "Application (client) ID:".'
      : undefined;
  const shownProblem = problem ?? notAnId;
  return (
    <Field
      label={provider === 'microsoft' ? 'Application (client) ID' : 'Google OAuth client ID'}
      required
      hint={shownProblem ? undefined : HINTS[provider]}
      validationMessage={shownProblem}
    >
      <Input value={value} spellCheck={false} autoComplete="off" onChange={(_, d) => onChange(d.value)} />
    </Field>
  );
}
