import React from 'react';
import { DataSourceSettings } from '@grafana/data';
import { fireEvent, render, screen } from '@testing-library/react';
import { HomeostatOptions, HomeostatSecureJsonData } from '../types';
import { ConfigEditor } from './ConfigEditor';
import { SERVICES } from './ServiceFields';

function settings(
  over: Partial<DataSourceSettings<HomeostatOptions, HomeostatSecureJsonData>> = {}
): DataSourceSettings<HomeostatOptions, HomeostatSecureJsonData> {
  return {
    id: 1,
    uid: 'homeostat',
    orgId: 1,
    name: 'Homeostat',
    type: 'homeostat-anomaly-datasource',
    typeName: 'Homeostat',
    typeLogoUrl: '',
    access: 'proxy',
    url: '',
    user: '',
    database: '',
    basicAuth: false,
    basicAuthUser: '',
    isDefault: false,
    withCredentials: false,
    readOnly: false,
    jsonData: { detectorUrl: 'http://127.0.0.1:8090' },
    secureJsonFields: {},
    ...over,
  } as DataSourceSettings<HomeostatOptions, HomeostatSecureJsonData>;
}

describe('ConfigEditor', () => {
  it.each(SERVICES)('%s: the same fields, writing its own URL and token', (service) => {
    const title = service === 'detector' ? 'Detector' : 'Remediator';
    const onOptionsChange = jest.fn();
    render(
      <ConfigEditor
        options={settings({ jsonData: {}, secureJsonFields: { [`${service}Token`]: true } })}
        onOptionsChange={onOptionsChange}
      />
    );
    fireEvent.change(screen.getByLabelText(`${title} URL`), { target: { value: ' http://svc:1 ' } });
    expect(onOptionsChange.mock.calls[0][0].jsonData).toEqual({ [`${service}Url`]: 'http://svc:1' });
    expect(screen.getByLabelText(`${title} token`)).toBeTruthy();
    const resets = screen.getAllByRole('button', { name: /reset/i });
    expect(resets).toHaveLength(1);
    fireEvent.click(resets[0]);
    expect(onOptionsChange.mock.calls[1][0].secureJsonFields).toEqual({ [`${service}Token`]: false });
  });

  it('writes URLs to jsonData, keeping the other settings', () => {
    const onOptionsChange = jest.fn();
    render(<ConfigEditor options={settings()} onOptionsChange={onOptionsChange} />);
    fireEvent.change(screen.getByLabelText('Remediator URL'), { target: { value: ' http://127.0.0.1:8091 ' } });
    expect(onOptionsChange).toHaveBeenCalledWith(
      expect.objectContaining({
        jsonData: { detectorUrl: 'http://127.0.0.1:8090', remediatorUrl: 'http://127.0.0.1:8091' },
      })
    );
  });

  it('sends a token to secureJsonData only, never to jsonData', () => {
    const onOptionsChange = jest.fn();
    render(<ConfigEditor options={settings()} onOptionsChange={onOptionsChange} />);
    fireEvent.change(screen.getByLabelText('Detector token'), { target: { value: 's3cret' } });
    const next = onOptionsChange.mock.calls[0][0];
    expect(next.secureJsonData).toEqual({ detectorToken: 's3cret' });
    expect(JSON.stringify(next.jsonData)).not.toContain('s3cret');
  });

  it('shows a saved token as configured and resets it on request', () => {
    const onOptionsChange = jest.fn();
    render(<ConfigEditor options={settings({ secureJsonFields: { detectorToken: true } })} onOptionsChange={onOptionsChange} />);
    fireEvent.click(screen.getAllByRole('button', { name: /reset/i })[0]);
    expect(onOptionsChange.mock.calls[0][0].secureJsonFields).toEqual({ detectorToken: false });
  });
});
