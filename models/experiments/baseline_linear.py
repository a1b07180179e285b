import numpy as np, os, re
from proxy_models import E7, clip_stats as stats, labels, load_frames, train_lr, ua
paths,clips=load_frames('.cache/experiments/feats')
lab,spk,corp=labels(paths)
def feats(norm):
    out=[]
    per=[stats(c) for c in clips]
    if norm=='speaker':
        spk_mu={};spk_sd={};f0mu={}
        for s in set(spk):
            idx=[i for i in range(len(clips)) if spk[i]==s]
            A=np.concatenate([per[i][0] for i in idx]); spk_mu[s]=A.mean(0); spk_sd[s]=A.std(0)+1e-3
            f0mu[s]=np.concatenate([per[i][1] for i in idx]).mean()
    for i,(a,f0) in enumerate(per):
        if norm=='speaker':
            a=(a-spk_mu[spk[i]])/spk_sd[spk[i]]; f0=f0-f0mu[spk[i]]
        elif norm=='clipgain':
            a=a.copy(); a[:,:64]-=a[:,:64].mean(); a[:,64]-=a[:,64].mean(); f0=f0-f0.mean()
        elif norm=='clip':
            a=(a-a.mean(0))/(a.std(0)+1e-3); f0=f0-f0.mean()
        out.append(np.concatenate([a.mean(0),a.std(0),[f0.mean(),f0.std(),len(f0)/len(a)]]))
    return np.array(out)
test=np.array([(c=='r' and int(s[1:])>=19) or (c=='e' and s[1:] in('15','16')) for c,s in zip(corp,spk)])
valid=np.array([l is not None for l in lab])
y=np.array([E7.index(l) if l else -1 for l in lab])
for norm in ['global','clipgain','clip','speaker']:
    F=feats(norm)
    tr=valid&~test
    f=train_lr(F[tr],y[tr])
    for cname in ['r','e']:
        m=valid&test&(np.array(corp)==cname)
        pred=f(F[m]).argmax(1)
        print(norm,cname,'UA %.3f'%ua(pred,y[m]))
# causal speaker stats: running over a random order of the speaker's clips, blended with a global prior
rng=np.random.default_rng(0)
per=[stats(c) for c in clips]
A=np.concatenate([p[0] for i,p in enumerate(per) if not test[i]]); gmu=A.mean(0); gvar=A.var(0)
gf0=np.concatenate([p[1] for i,p in enumerate(per) if not test[i]]).mean()
def causal_feats(n0, reps=1):
    rows=[];idxs=[]
    for rep in range(reps):
        for s in sorted(set(spk)):
            idx=[i for i in range(len(clips)) if spk[i]==s]; rng.shuffle(idx)
            n=0; S=np.zeros_like(gmu); SS=np.zeros_like(gmu); fn=0; fs=0.0
            for i in idx:
                a,f0=per[i]
                n+=len(a); S+=a.sum(0); SS+=(a**2).sum(0); fn+=len(f0); fs+=f0.sum()
                mu=(n0*gmu+S)/(n0+n); var=(n0*(gvar+gmu**2)+SS)/(n0+n)-mu**2
                fmu=(n0*gf0+fs)/(n0+fn)
                an=(a-mu)/np.sqrt(var+1e-6); f=f0-fmu
                rows.append(np.concatenate([an.mean(0),an.std(0),[f.mean(),f.std(),len(f0)/len(a)]])); idxs.append(i)
    return np.array(rows),np.array(idxs)
for n0 in [100,300,1000]:
    F,ix=causal_feats(n0,reps=3)
    tr=valid[ix]&~test[ix]
    f=train_lr(F[tr],y[ix][tr])
    Ft,ixt=causal_feats(n0,reps=1)
    for cname in ['r','e']:
        m=valid[ixt]&test[ixt]&(np.array(corp)[ixt]==cname)
        pred=f(Ft[m]).argmax(1)
        print('causal n0',n0,cname,'UA %.3f'%ua(pred,y[ixt][m]))
