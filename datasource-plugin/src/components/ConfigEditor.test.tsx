import React from 'react';
import { DataSourceSettings } from '@grafana/data';
import { fireEvent, render, screen } from '@testing-library/react';
import { HomeostatOptions, HomeostatSecureJsonData } from '../types';
import { ConfigEditor } from './ConfigEditor';

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
