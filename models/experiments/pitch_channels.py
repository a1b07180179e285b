# How the pitch tracker's voicing and F0 change through a channel, frame by frame against the clean
# clip (all clips, active frames = RMS above 5% of the clip's peak). Needs
# `npx tsx models/experiments/dump-channels.ts clean noise:10 noise:20 phone`.
#   python3 models/experiments/pitch_channels.py [suffix]
# With a suffix (e.g. -pnf1500, from PITCH_NOISE_FLOOR_MS=1500 dump-channels.ts), the channels are read
# from the suffixed dumps and compared with the plain clean clip, and the suffixed clean clip is too.
import sys
import numpy as np
from proxy_models import load_frames
def load(tag): return load_frames(f'.cache/experiments/ch-{tag}')[1]
C=load('clean')  # columns: log-mel 0-63, RMS 64, F0 65 (0 = unvoiced), voicing 66
suffix=sys.argv[1] if len(sys.argv)>1 else ''
for tag in (['clean'] if suffix else [])+['noise20','noise10','phone']:
    N=load(tag+suffix)
    vf_c=[];vf_n=[];agree=[];octave=[];false_v=[];miss=[]
    for c,n in zip(C,N):
        e=c[:,64]; act=e>e.max()*0.05
        vc=(c[:,65]>0)&act; vn=(n[:,65]>0)&act
        vf_c.append(vc.sum()/max(act.sum(),1)); vf_n.append(vn.sum()/max(act.sum(),1))
        both=vc&vn
        if both.sum()>0:
            r=np.log2(n[both,65]/c[both,65]); agree.append(np.mean(np.abs(r)<0.1)); octave.append(np.mean(np.abs(r)>0.8))
        sil=~act
        false_v.append(((n[:,65]>0)&sil).sum()/max(sil.sum(),1))
        miss.append((vc&~vn).sum()/max(vc.sum(),1))
    print(tag+suffix,'voiced share of active frames: clean %.2f -> %.2f'%(np.mean(vf_c),np.mean(vf_n)),
          '| clean-voiced frames lost %.2f'%np.mean(miss),'| F0 within 7%% %.2f, octave errors %.2f'%(np.mean(agree),np.mean(octave)),
          '| pause frames called voiced %.2f'%np.mean(false_v))

# Which way the telephone line's octave errors go, and for which voices (frames voiced in both).
P=load('phone'+suffix)
ratio=[];f0=[]
for c,p in zip(C,P):
    e=c[:,64]; act=e>e.max()*0.05
    both=(c[:,65]>0)&(p[:,65]>0)&act
    ratio.append(np.log2(p[both,65]/c[both,65])); f0.append(c[both,65])
ratio=np.concatenate(ratio); f0=np.concatenate(f0); wrong=np.abs(ratio)>0.8
print('phone octave errors: up x2 %.3f, up x3 %.3f, down %.3f of frames voiced in both'%(
    np.mean((ratio>0.8)&(ratio<=1.2)),np.mean(ratio>1.2),np.mean(ratio<-0.8)))
for lo,hi in [(60,120),(120,180),(180,250),(250,500)]:
    m=(f0>=lo)&(f0<hi)
    print('  clean F0 %d-%d Hz: %.2f of frames, %.2f of them octave errors'%(lo,hi,m.mean(),wrong[m].mean()))
