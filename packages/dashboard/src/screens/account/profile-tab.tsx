import { useState } from 'react';
import { account } from '../../api';
import { useAuth, useUser } from '../../auth-context';
import { SettingsSection } from '../../components/settings-layout';
import { Alert, Badge, Button, ErrorMessage, Field } from '../../components/ui';
import { formatDateTime } from '../../format';
import { useAction } from '../../use-action';

export function ProfileTab() {
  const user = useUser();
  const { setUser } = useAuth();
  const [name, setName] = useState(user.name);
  const [saved, setSaved] = useState(false);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [emailSent, setEmailSent] = useState<string | undefined>();
  const saveName = useAction(async () => {
    setSaved(false);
    setUser(await account.update({ name: name.trim() }));
    setSaved(true);
  });
  const changeEmail = useAction(async () => {
    await account.changeEmail({ email: email.trim(), password });
    setEmailSent(email.trim());
    setEmail('');
    setPassword('');
  });
  return (
    <>
      <SettingsSection title="Profile">
        <form className="stack" onSubmit={saveName.onSubmit}>
          <Field
            label="Name"
            autoComplete="name"
            required
            maxLength={100}
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
          <ErrorMessage error={saveName.error} />
          {saved ? <Alert tone="success">Saved.</Alert> : null}
          <div className="form-actions">
            <Button type="submit" variant="primary" busy={saveName.busy}>
              Save
            </Button>
          </div>
        </form>
        <dl className="facts">
          <div>
            <dt>Email</dt>
            <dd>
              {user.email}{' '}
              {user.emailVerified ? <Badge tone="good">verified</Badge> : <Badge tone="bad">not verified</Badge>}
            </dd>
          </div>
          <div>
            <dt>Account created</dt>
            <dd>{formatDateTime(user.createdAt)}</dd>
          </div>
          {user.isInstanceOwner ? (
            <div>
              <dt>Role</dt>
              <dd>Owner of this Sightline instance</dd>
            </div>
          ) : null}
        </dl>
      </SettingsSection>
      {user.hasPassword ? (
        <SettingsSection
          title="Change email"
          description="We send a link to the new address; the change happens when you follow it."
        >
          <form className="stack" onSubmit={changeEmail.onSubmit}>
            <Field
              label="New email"
              type="email"
              autoComplete="email"
              required
              maxLength={254}
              value={email}
              onChange={(e) => setEmail(e.target.value)}
            />
            <Field
              label="Current password"
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
            <ErrorMessage error={changeEmail.error} />
            {emailSent ? <Alert tone="success">Check {emailSent} for the confirmation link.</Alert> : null}
            <div className="form-actions">
              <Button type="submit" busy={changeEmail.busy}>
                Send confirmation link
              </Button>
            </div>
          </form>
        </SettingsSection>
      ) : null}
    </>
  );
}
