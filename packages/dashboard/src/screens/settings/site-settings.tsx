import { type SiteSummary, sites, statsApi } from '../../api';
import { SettingsLayout } from '../../components/settings-layout';
import { ErrorMessage, Loading } from '../../components/ui';
import { useResource } from '../../use-resource';
import { useSiteView } from '../dashboard/site-context';
import { SiteLoader, SitePage } from '../dashboard/site-shell';
import { DangerTab } from './danger-tab';
import { FunnelsTab } from './funnels-tab';
import { GeneralTab } from './general-tab';
import { GoalsTab } from './goals-tab';
import { IngestKeysTab } from './ingest-keys-tab';
import { MembersTab } from './members-tab';
import { SharingTab } from './sharing-tab';
import { ShieldsTab } from './shields-tab';

const TABS = [
  { key: 'general', label: 'General' },
  { key: 'goals', label: 'Goals' },
  { key: 'funnels', label: 'Funnels' },
  { key: 'shields', label: 'Shields' },
  { key: 'members', label: 'Members & invitations' },
  { key: 'ingest-keys', label: 'Ingest keys' },
  { key: 'sharing', label: 'Public dashboard & links' },
  { key: 'danger', label: 'Danger zone' },
] as const;

const api = statsApi();

/** /example.com/settings/<tab>: everything about one site an admin can change. */
export default function SiteSettings({ domain, tab }: { domain: string; tab: string }) {
  return (
    <SiteLoader api={api} siteId={domain} basePath={`/${encodeURIComponent(domain)}`}>
      <SettingsBody tab={tab} />
    </SiteLoader>
  );
}

export interface SiteTabProps {
  site: SiteSummary;
  /** Call after a change to the site itself (name, domain, public flag). */
  onSiteChanged: (site: SiteSummary) => void;
}

function SettingsBody({ tab }: { tab: string }) {
  const { context, basePath } = useSiteView();
  const siteId = context.site.id;
  const site = useResource(`site:${siteId}`, (signal) => sites.get(siteId, signal));
  const current = TABS.find((t) => t.key === tab) ?? TABS[0];
  const tabs = TABS.map((t) => ({ key: t.key, label: t.label, to: `${basePath}/settings/${t.key}` }));
  const canManage = context.role === 'owner' || context.role === 'admin';

  let body: React.ReactNode;
  if (!canManage) {
    body = (
      <div className="card pad">
        <p>
          You can view this site's dashboard, but only its owner and admins can change its settings. Ask the owner to
          make you an admin.
        </p>
      </div>
    );
  } else if (site.error && !site.data) {
    body = <ErrorMessage error={site.error} onRetry={site.reload} />;
  } else if (!site.data) {
    body = <Loading label="Loading the site settings" lines={6} className="card pad" />;
  } else {
    const props: SiteTabProps = { site: site.data, onSiteChanged: () => site.reload() };
    switch (current.key) {
      case 'general':
        body = <GeneralTab {...props} />;
        break;
      case 'goals':
        body = <GoalsTab {...props} />;
        break;
      case 'funnels':
        body = <FunnelsTab {...props} />;
        break;
      case 'shields':
        body = <ShieldsTab {...props} />;
        break;
      case 'members':
        body = <MembersTab {...props} />;
        break;
      case 'ingest-keys':
        body = <IngestKeysTab {...props} />;
        break;
      case 'sharing':
        body = <SharingTab {...props} />;
        break;
      case 'danger':
        body = <DangerTab {...props} />;
        break;
    }
  }

  return (
    <SitePage section="settings" title={`${current.label} settings`}>
      <SettingsLayout label="Site settings" tabs={tabs} current={current.key}>
        {body}
      </SettingsLayout>
    </SitePage>
  );
}
